// The dialect combinations the compatibility matrix runs: a pairwise (all-pairs) covering set of
// the simulator's guessed behaviours, generated deterministically (greedy, first choice on ties,
// no randomness), so the same rows run everywhere. Every value of every option meets every value
// of every other option in at least one row.

import { DIALECTS } from "../sim/options.mjs";

const key = (a, va, b, vb) => JSON.stringify([a, va, b, vb]);

/** All pairs of (option, value) × (later option, value) for `factors` [[name, values], ...]. */
function allPairs(factors) {
  const pairs = new Set();
  factors.forEach(([a, va], i) => factors.slice(i + 1).forEach(([b, vb]) => {
    for (const x of va) for (const y of vb) pairs.add(key(a, x, b, y));
  }));
  return pairs;
}

/** Pairs a (complete) row covers. */
function pairsOf(row, factors) {
  const covered = [];
  factors.forEach(([a], i) => factors.slice(i + 1).forEach(([b]) => covered.push(key(a, row[a], b, row[b]))));
  return covered;
}

/**
 * Rows `{ option: value }` covering every pair. Each row starts from the first uncovered pair,
 * then fills the other options one by one with the value covering most uncovered pairs with
 * what is already chosen.
 */
export function pairwise(dialects = DIALECTS) {
  const factors = Object.entries(dialects);
  const uncovered = allPairs(factors);
  const rows = [];
  while (uncovered.size) {
    const [a, va, b, vb] = JSON.parse(uncovered.values().next().value);
    const row = { [a]: va, [b]: vb };
    for (const [name, values] of factors) {
      if (name in row) continue;
      let best = values[0];
      let bestGain = -1;
      for (const value of values) {
        const gain = Object.entries(row).filter(([other, otherValue]) => {
          const [first, second] = factors.findIndex(([n]) => n === other) < factors.findIndex(([n]) => n === name)
            ? [[other, otherValue], [name, value]] : [[name, value], [other, otherValue]];
          return uncovered.has(key(first[0], first[1], second[0], second[1]));
        }).length;
        if (gain > bestGain) [best, bestGain] = [value, gain];
      }
      row[name] = best;
    }
    const ordered = Object.fromEntries(factors.map(([name]) => [name, row[name]]));
    for (const pair of pairsOf(ordered, factors)) uncovered.delete(pair);
    rows.push(ordered);
  }
  return rows;
}

/** Whether `rows` cover every pair (the matrix asserts it of what it runs). */
export function coversAllPairs(rows, dialects = DIALECTS) {
  const factors = Object.entries(dialects);
  const uncovered = allPairs(factors);
  for (const row of rows) for (const pair of pairsOf(row, factors)) uncovered.delete(pair);
  return uncovered.size === 0;
}

/**
 * As many rows as the longest variant list, row k taking each option's k-th variant (cycling):
 * every value of every option once, where that is enough (the CLI's and console's slower cells).
 */
export function everyValueOnce(dialects = DIALECTS) {
  const longest = Math.max(...Object.values(dialects).map((values) => values.length));
  return Array.from({ length: longest }, (_, k) =>
    Object.fromEntries(Object.entries(dialects).map(([name, values]) => [name, values[k % values.length]])));
}

/** A short label of a row: only what differs from the defaults. */
export function label(row, dialects = DIALECTS) {
  const parts = Object.entries(row).filter(([name, value]) => value !== dialects[name][0]).map(([name, value]) => `${name}=${value}`);
  return parts.length ? parts.join(" ") : "defaults";
}
