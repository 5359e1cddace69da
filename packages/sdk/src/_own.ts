/**
 * Lookups by a caller's name in a plain object: own properties only, so a
 * name such as `constructor`, `toString` or `__proto__` is unknown rather
 * than a member of Object.prototype.
 */
export function own<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}
