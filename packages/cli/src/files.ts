/**
 * Files the CLI reads and writes for the user (receipts, anchors, consortium
 * files): a failure is a typed error naming the file and what it is for,
 * never node's raw ENOENT or EACCES with a stack trace.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError, InvalidArgument, NotFound } from '@parley/interface';

export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NotFound(`${what} ${path} does not exist`, { file: path });
    throw new InvalidArgument(`cannot read ${what} ${path}: ${err.message}`, { file: path });
  }
}

/** Writes `text` to `path`; `exclusive` refuses a file that exists (ConfigError). */
export function writeTextFile(path: string, text: string, what: string, exclusive = false): void {
  try {
    writeFileSync(path, text, exclusive ? { flag: 'wx' } : {});
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST')
      throw new ConfigError(`${path} already exists: choose another -o or remove it`, { file: path });
    if (err.code === 'ENOENT')
      throw new NotFound(`cannot write ${what} ${path}: its directory does not exist`, { file: path });
    if (err.code === 'EISDIR') throw new InvalidArgument(`${what} ${path} is a directory`, { file: path });
    throw new InvalidArgument(`cannot write ${what} ${path}: ${err.code ?? err.message}`, { file: path });
  }
}
