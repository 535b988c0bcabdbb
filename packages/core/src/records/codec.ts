/**
 * Turns a stored record's text into its domain value and back. The store adapters call it for
 * every key of a table; the record codecs of this package implement it.
 */
export interface RecordCodec<T> {
  /**
   * Parses the stored text of `key`. Throws a `MeshError` with code `INVALID_DATA` naming the key
   * when the text is not a valid record; never anything else.
   */
  decode(text: string, key: string): T;
  /** Serialises a value, preserving unknown fields it was read with. */
  encode(value: T): string;
}
