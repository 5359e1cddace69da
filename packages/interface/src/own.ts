/**
 * Lookups by a caller's name in a plain object: own properties only, so a
 * name such as `constructor`, `toString` or `__proto__` is unknown rather
 * than a member of Object.prototype. A record that is not an object (a
 * caller's malformed input) has no names.
 */
export function own<T>(record: Readonly<Record<string, T>> | null | undefined, name: string): T | undefined {
  return typeof record === 'object' && record !== null && Object.hasOwn(record, name)
    ? record[name]
    : undefined;
}
