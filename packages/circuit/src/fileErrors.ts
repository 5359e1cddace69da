/**
 * A circuit file that cannot be read, as a typed error naming it: NotFound
 * when it does not exist, InvalidArgument for a directory or any other I/O
 * failure. Errors that are not the system's (a malformed circuit, a limit)
 * pass through as they are. Tokens a file's errors quote are cut short.
 */
import { InvalidArgument, NotFound } from '@parley/interface';

export function circuitFileError(path: string, e: unknown): unknown {
  const io = e as NodeJS.ErrnoException | undefined;
  if (typeof io?.syscall !== 'string') return e;
  if (io.code === 'ENOENT') return new NotFound(`circuit file ${path} does not exist`, { file: path });
  if (io.code === 'EISDIR') return new InvalidArgument(`${path} is not a file`, { file: path });
  return new InvalidArgument(`cannot read circuit file ${path}: ${io.code ?? io.message}`, { file: path });
}

/** Most characters of a file's token quoted in an error message. */
const QUOTE_CHARS = 40;

/** A token from a file, quoted for an error message and cut to QUOTE_CHARS characters. */
export function quoted(token: string): string {
  return `'${token.length > QUOTE_CHARS ? `${token.slice(0, QUOTE_CHARS)}…` : token}'`;
}
