/**
 * How `parley demo` and the examples print their progress: a line is a label
 * column, then the text (`nodes        stopped in 0.1 s`); times are seconds
 * to one decimal; paths below the working directory are shown relative to
 * it.
 */
import { isAbsolute, relative } from 'node:path';

/** Prints a progress line: a label column, then the text (an empty label continues the line above). */
export type ProgressLines = (label: string, text: string) => void;

/** Progress lines through `print` (default console.log), the label padded to 12 columns. */
export function progressLines(print: (line: string) => void = console.log): ProgressLines {
  return (label, text) => print(`${label.padEnd(12)} ${text}`);
}

/** Seconds since `t0` (a `performance.now()`), one decimal. */
export function secondsSince(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

/** A path as typed from the working directory when it is below it, else absolute. */
export function displayPath(path: string): string {
  const r = relative(process.cwd(), path);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? path : r;
}
