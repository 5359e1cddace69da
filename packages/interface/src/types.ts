/** Shared domain types of Parley (parties, engines). No runtime code. */

/** A party of a computation or consortium, named by a short identifier such as `bankA`. */
export type PartyName = string;

/** The security model an engine provides, stated in its API. */
export interface SecurityModel {
  /** `semi-honest`: parties follow the protocol; `malicious`: they may deviate. */
  adversary: 'semi-honest' | 'malicious';
  /** `dishonest-majority`: secure if all but one collude; `honest-majority`: if a majority is honest. */
  corruption: 'dishonest-majority' | 'honest-majority';
}

/** Sends bytes to a named party: the engine boundary of mpc-framework. */
export type SendFn = (to: PartyName, bytes: Uint8Array) => void;
