// comlink ships its Node adapter as node-adapter.mjs with a node-adapter.d.ts
// beside it, which TypeScript's NodeNext resolution does not pair; this names it.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  import type { NodeEndpoint } from 'comlink/dist/esm/node-adapter.js';
  export default function nodeEndpoint(nep: NodeEndpoint): Endpoint;
}
