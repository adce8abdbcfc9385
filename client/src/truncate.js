// String cleaning and cutting. The server rejects a string over its field limit (counted in Unicode code
// points) and any string containing U+0000, so the SDK cuts and cleans strings itself before sending.

const REPLACEMENT = "\uFFFD";
const ZWJ = 0x200d;
const MAX_CLUSTER_BACKTRACK = 32;

// Lone surrogates are not valid UTF-8 once encoded, and the server closes the socket with 1007 on invalid
// UTF-8, so they are replaced as well as NUL.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces NUL and lone surrogates with U+FFFD. */
export function cleanString(text) {
  return text.replace(/\u0000/g, REPLACEMENT).replace(LONE_SURROGATE, REPLACEMENT);
}

/** Counts the Unicode code points of a string (a surrogate pair counts once). */
export function codePointLength(text) {
  let count = 0;
  for (let i = 0; i < text.length; i++, count++) if (text.codePointAt(i) > 0xffff) i++;
  return count;
}

// Returns the code-unit index just after the first `maxCodePoints` code points.
function codePointOffset(text, maxCodePoints) {
  let index = 0;
  for (let count = 0; count < maxCodePoints && index < text.length; count++) {
    index += text.codePointAt(index) > 0xffff ? 2 : 1;
  }
  return index;
}

// Code points that attach to the one before them: combining marks, the zero-width joiner, the keycap mark,
// variation selectors, emoji skin-tone modifiers (U+1F3FB-1F3FF) and emoji tag characters (U+E0000 block).
const JOINS_PREVIOUS =
  /^(?:[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u200d\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f]|\ud83c[\udffb-\udfff]|\udb40[\udc00-\udfff])/;
const isRegionalIndicator = (text, index) => /^\ud83c[\udde6-\uddff]/.test(text.slice(index, index + 2));

// Returns the index of the code point that ends at `index`, stepping over a whole surrogate pair.
function stepBack(text, index) {
  return index >= 2 && text.codePointAt(index - 2) > 0xffff ? index - 2 : index - 1;
}

// Tells whether a cut at `index` separates two code points of one grapheme cluster.
function splitsCluster(text, index) {
  if (JOINS_PREVIOUS.test(text.slice(index, index + 2)) || text.charCodeAt(index - 1) === ZWJ) return true;
  // A flag is a pair of regional indicators, so a cut after an odd run of them splits a flag.
  let run = 0;
  for (let i = index; i >= 2 && isRegionalIndicator(text, i - 2); i -= 2) run++;
  return run % 2 === 1 && isRegionalIndicator(text, index);
}

/**
 * Moves a cut position back to the start of the grapheme cluster it falls in. The rules cover emoji (ZWJ
 * sequences, skin tones, variation selectors, keycaps, tag sequences, flags) and combining marks, not every
 * rule of Unicode's UAX #29: Hangul jamo and Indic conjuncts may be split. Returns 0 when the cluster starts
 * the text. When no boundary is found within 32 code points, returns `index`, so a longer cluster is cut
 * inside.
 */
export function clusterStart(text, index) {
  let cut = index;
  for (let steps = 0; steps < MAX_CLUSTER_BACKTRACK; steps++) {
    if (cut === 0 || !splitsCluster(text, cut)) return cut;
    cut = stepBack(text, cut);
  }
  return index;
}

/**
 * Cuts `text` to at most `maxCodePoints` code points. The cut never splits a surrogate pair and moves back to
 * the start of a grapheme cluster (see clusterStart), so the result may be a few code points shorter than the
 * limit. Returns the text unchanged when it fits.
 */
export function truncate(text, maxCodePoints) {
  if (text.length <= maxCodePoints) return text;
  const index = codePointOffset(text, maxCodePoints);
  return index >= text.length ? text : text.slice(0, clusterStart(text, index));
}

/** Counts the bytes of a string encoded as UTF-8 (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (text.codePointAt(i) > 0xffff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
