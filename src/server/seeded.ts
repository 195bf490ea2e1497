/**
 * Small deterministic randomness for the reference server: a 53-bit string hash (cyrb53) to derive
 * seeds and per-pair scores, and mulberry32 for the fault sequence. Not cryptographic; reproducible
 * across platforms, which is the point.
 */

/** cyrb53: a fast, well-mixed 53-bit hash of a string under a 32-bit seed. */
function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A uniform number in [0, 1) that depends only on the parts and the seed. */
export function hashUnit(seed: number, ...parts: string[]): number {
  // \u0000 separates parts so ("ab","c") and ("a","bc") differ.
  return hash53(parts.join("\u0000"), seed | 0) / 2 ** 53;
}

/** mulberry32: a seeded stream of uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
