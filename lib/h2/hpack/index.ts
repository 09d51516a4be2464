/**
 * HPACK (RFC 7541): header compression for HTTP/2.
 * @module
 */
export { HpackDecoder, type DecodeResult, type HeaderField, type HpackDecoderOptions } from './decoder.js';
export { HpackEncoder, type HpackEncoderOptions } from './encoder.js';
export { DynamicTable, ENTRY_OVERHEAD, entrySize } from './dynamic-table.js';
export { STATIC_BY_NAME, STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES, staticFieldIndex, staticNameIndex, type StaticName } from './static-table.js';
export { huffmanDecode, huffmanEncode, huffmanEncodedLength } from './huffman.js';
export { MAX_INTEGER, decodeInteger, encodeInteger, integerLength, type Cursor } from './integer.js';
