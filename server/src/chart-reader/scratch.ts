// Scratch arrays kept from one read to the next. A read allocated about 3 MB of typed arrays, and V8 counts
// array buffers toward its heap limit: with the decoded image's 6 MB, the reader's worker ran a full
// mark-compact on nearly every read (4-6 ms each, up to 20 ms with incremental steps). Kept per thread (the
// reader is synchronous, so one read never sees another's arrays), one buffer per name, grown as needed;
// arrays larger than a 4K chart's are not kept, so one huge image does not stay in memory.
type Typed = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;
interface TypedConstructor<T extends Typed> {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
}

const MAX_KEPT_BYTES = 3840 * 2160;
const kept = new Map<string, ArrayBuffer>();

/**
 * A zero-filled array of `length` elements. `name` must be unique to one array live in a read: two calls with
 * the same name return views of the same memory.
 */
export function scratch<T extends Typed>(name: string, type: TypedConstructor<T>, length: number): T {
  const bytes = length * type.BYTES_PER_ELEMENT;
  if (bytes > MAX_KEPT_BYTES) return new type(length);
  const buffer = kept.get(name);
  if (!buffer || buffer.byteLength < bytes) {
    const fresh = new ArrayBuffer(bytes);
    kept.set(name, fresh);
    return new type(fresh, 0, length);
  }
  const array = new type(buffer, 0, length);
  array.fill(0);
  return array;
}
