// Seeded randomness and CloudTower-style ids.
// Everything the inventory contains derives from one seed, so the same seed gives the same bytes.
// Secrets (tokens, API keys) never come from here: they use crypto.randomBytes (see auth.mjs).

import { randomBytes } from "node:crypto";

const BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A 32-bit hash of any seed value (number or string). */
function hashSeed(seed) {
  const text = String(seed);
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return h >>> 0;
}

/** Deterministic generator (mulberry32) with the helpers the inventory needs. */
export function createRandom(seed) {
  let state = hashSeed(seed);
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  // Built from char codes in one go: concatenating characters would leave V8 cons-strings
  // (ropes) behind, tripling the memory of a 100,000-VM inventory.
  const chars = (n, alphabet = BASE36) => {
    const codes = new Array(n);
    for (let i = 0; i < n; i++) codes[i] = alphabet.charCodeAt(Math.floor(next() * alphabet.length));
    return String.fromCharCode(...codes);
  };
  return {
    int,
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    /** Pick by weight: entries are [value, weight]. */
    weighted(entries) {
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [value, w] of entries) if ((r -= w) < 0) return value;
      return entries[entries.length - 1][0];
    },
    /** A float in [min, max) rounded to `decimals`, nudged off integers so it stays fractional. */
    fraction(min, max, decimals = 2) {
      const scale = 10 ** decimals;
      const scaled = Math.round((min + next() * (max - min)) * scale);
      return (scaled % scale === 0 ? scaled + 1 : scaled) / scale;
    },
    chars,
    uuid() {
      const hex = chars(32, "0123456789abcdef");
      const variant = "89ab"[int(0, 3)];
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
    },
  };
}

const pad36 = (n, width) => n.toString(36).padStart(width, "0").slice(-width);

/**
 * cuid-shaped ids ("c" + 8 timestamp + 4 counter + 4 fingerprint + 8 random = 25 chars).
 * The timestamp block comes first, so ids sort in creation order: Prisma's default order (by id)
 * is then the creation order, as on a real CloudTower.
 * `clock` and `random` are injectable: the inventory uses a fake clock and the seed, runtime
 * objects (tasks, API keys) the real clock and crypto randomness.
 */
export function createIdFactory({ clock = Date.now, randomChars = cryptoChars, fingerprint = randomChars(4) } = {}) {
  let counter = 0;
  return () => `c${pad36(clock(), 8)}${pad36(counter++ % 36 ** 4, 4)}${fingerprint}${randomChars(8)}`;
}

function cryptoChars(n) {
  return [...randomBytes(n)].map((b) => BASE36[b % 36]).join("");
}
