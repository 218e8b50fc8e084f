package dev.fastllm.core.tokens;

/**
 * Splits text into pieces exactly as o200k_base's pattern does under {@code java.util.regex} with
 * {@code UNICODE_CHARACTER_CLASS} (which JTokkit compiles it with), without running a regex:
 *
 * <pre>
 * 1  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * 2  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * 3  \p{N}{1,3}
 * 4   ?[^\s\p{L}\p{N}]+[\r\n/]*
 * 5  \s*[\r\n]+
 * 6  \s+(?!\S)
 * 7  \s+
 * </pre>
 *
 * The alternatives are tried in order at each position, each with the regex engine's backtracking
 * order, and every character belongs to exactly one piece. Characters are classified with the same
 * JDK calls the regex engine makes ({@link Character#getType(int)} for the categories; White_Space as
 * {@code Zs|Zl|Zp|\t-\r|U+0085} for {@code \s}), on code points, with an unpaired surrogate standing
 * for itself (category Cs); so on any JDK the pieces equal the regex's pieces on that same JDK.
 * The 64K classes of the BMP are computed once per JVM into a table; supplementary code points are
 * classified on the fly.
 */
final class O200kSplitter {
    static final int LETTER = 1;          // \p{L}
    static final int NUMBER = 2;          // \p{N}
    static final int UPPERISH = 4;        // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    static final int LOWERISH = 8;        // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    static final int MARK = 16;           // \p{M}
    static final int SPACE = 32;          // \s
    static final int CR_LF = 64;          // [\r\n]
    static final int PREFIX = 128;        // [^\r\n\p{L}\p{N}]
    static final int SYMBOL = 256;        // [^\s\p{L}\p{N}]
    private static final int HIGH_SURROGATE = 512;
    private static final int TWO_CHARS = 1024;

    private static final char[] BMP = new char[1 << 16];
    /** Classes of a surrogate without its other half: category Cs, like any surrogate code point. */
    private static final int UNPAIRED_SURROGATE = classify(0xD800);

    static {
        for (int c = 0; c < BMP.length; c++) {
            // a high surrogate's entry only says so: whether it is half of a pair depends on the next char
            int f = Character.isHighSurrogate((char) c) ? HIGH_SURROGATE : classify(c);
            BMP[c] = (char) f;
        }
    }

    private O200kSplitter() {
    }

    /** The classes of one code point, as the regex engine sees it. */
    static int classify(int cp) {
        int type = Character.getType(cp);
        int f = 0;
        switch (type) {
            case Character.UPPERCASE_LETTER:
            case Character.TITLECASE_LETTER:
                f = LETTER | UPPERISH;
                break;
            case Character.LOWERCASE_LETTER:
                f = LETTER | LOWERISH;
                break;
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
                f = LETTER | UPPERISH | LOWERISH;
                break;
            case Character.NON_SPACING_MARK:
            case Character.COMBINING_SPACING_MARK:
            case Character.ENCLOSING_MARK:
                f = MARK | UPPERISH | LOWERISH;
                break;
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
                f = NUMBER;
                break;
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                f = SPACE;
                break;
            default:
                break;
        }
        if ((cp >= 0x9 && cp <= 0xD) || cp == 0x85) {
            f |= SPACE;
        }
        if (cp == '\r' || cp == '\n') {
            f |= CR_LF;
        }
        if ((f & (CR_LF | LETTER | NUMBER)) == 0) {
            f |= PREFIX;
        }
        if ((f & (SPACE | LETTER | NUMBER)) == 0) {
            f |= SYMBOL;
        }
        return f;
    }

    /** Classes of the code point starting at {@code i}, plus {@link #TWO_CHARS} for a surrogate pair. */
    private static int at(char[] t, int i, int n) {
        int f = BMP[t[i]];
        if ((f & HIGH_SURROGATE) != 0) {
            if (i + 1 < n && Character.isLowSurrogate(t[i + 1])) {
                return classify(Character.toCodePoint(t[i], t[i + 1])) | TWO_CHARS;
            }
            return UNPAIRED_SURROGATE;
        }
        return f;
    }

    private static int width(int f) {
        return (f & TWO_CHARS) != 0 ? 2 : 1;
    }

    // at/width/run read like Cl100kSplitter's on purpose: each reads its own static class table, so the per-char
    // loop has no indirection; sharing them would pass the table (and classify) into the hottest loop.

    /** End of the run of code points from {@code i} that have {@code flag}; BMP chars take one read. */
    private static int run(char[] t, int i, int n, int flag) {
        while (i < n) {
            int f = BMP[t[i]];
            if ((f & flag) != 0) {
                i++;
            } else if ((f & HIGH_SURROGATE) != 0) {
                int g = at(t, i, n);
                if ((g & flag) == 0) {
                    break;
                }
                i += width(g);
            } else {
                break;
            }
        }
        return i;
    }

    /** End (exclusive) of the piece that starts at {@code s}; {@code s < n}. */
    static int pieceEnd(char[] t, int s, int n) {
        int f0 = at(t, s, n);
        if ((f0 & LETTER) != 0) {
            int e = wordLowerTail(t, s, n);
            return e >= 0 ? e : wordUpperHead(t, s, n);
        }
        if ((f0 & NUMBER) != 0) {
            int e = s;
            for (int k = 0; k < 3 && e < n; k++) {
                int f = at(t, e, n);
                if ((f & NUMBER) == 0) {
                    break;
                }
                e += width(f);
            }
            return e;
        }
        if ((f0 & PREFIX) != 0) {
            int p = s + width(f0);
            if (p < n) {
                int e = wordLowerTail(t, p, n);
                if (e >= 0) {
                    return e;
                }
            }
            if ((f0 & MARK) != 0) {
                return wordLowerTail(t, s, n); // a mark is both upper- and lower-ish: always matches
            }
            if (p < n) {
                int e = wordUpperHead(t, p, n);
                if (e >= 0) {
                    return e;
                }
            }
            if (t[s] == ' ') {
                if (p < n) {
                    int f1 = at(t, p, n);
                    if ((f1 & SYMBOL) != 0) {
                        return symbolTail(t, p + width(f1), n);
                    }
                }
            } else if ((f0 & SYMBOL) != 0) {
                return symbolTail(t, p, n);
            }
        }
        // alternatives 5, 6, 7: t[s] is white space; white space is all in the BMP
        int e = s;
        int lastLineBreak = -1;
        while (e < n) {
            int f = BMP[t[e]];
            if ((f & SPACE) == 0) {
                break;
            }
            if ((f & CR_LF) != 0) {
                lastLineBreak = e;
            }
            e++;
        }
        if (lastLineBreak >= 0) {
            return lastLineBreak + 1;
        }
        if (e == n || e - s == 1) {
            return e;
        }
        return e - 1;
    }

    /**
     * Whether the pieces of {@code t[0, n)} that end at or before the piece boundary {@code b} are the pieces of
     * every text that starts with {@code t[0, n)}: then a count of such a text may take the count up to {@code b}
     * and scan on from {@code b} ({@link ResumingTokenCounter}). A sufficient condition, proved from
     * {@link #pieceEnd}'s code.
     *
     * <p>{@code pieceEnd} depends on {@code n} only through comparisons {@code x < n} (and {@code e == n}) and reads
     * {@code t[x]} only for such an {@code x} found below {@code n}. Call a piece's <em>reach</em> one more than
     * the largest {@code x} its scan compares or reads. If every piece before {@code b} has a reach of at most
     * {@code n}, each of those comparisons gives the same answer for any longer text, and each char read is the
     * same: the scan makes the same pieces. The reach of the piece {@code [s, e)} is at most
     * {@code max(e + 3, U(e) + 2, W(e) + 1)}, where {@code U(x)} is the end of the run of upper-ish code points
     * (alternatives 1 and 2's {@code [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]}) from {@code x} and {@code W(x)} the end of the
     * run of white space from {@code x}, by each way out of {@code pieceEnd}:
     * <ul>
     *   <li>a word, alternative 1 ({@code wordLowerTail}): the upper-ish run from {@code p} (= {@code s} or after
     *       a prefix) is read to its end {@code i}, plus the next char when {@code t[i]} is a high surrogate
     *       (reach {@code i + 2}). Then either the lower-ish run after {@code t[i]} ends at {@code j} and the
     *       contraction test compares up to {@code j + 2} ({@code e >= j}, reach {@code <= e + 3}); or the run
     *       backs off to its last lower-ish member, {@code e = lastLowerEnd}: when {@code e < i}, the chars from
     *       {@code e} to {@code i} are all upper-ish (Lu, Lt: no contraction can start there), so {@code U(e) = i}
     *       and the reach is {@code U(e) + 2}; the only way the reach runs far past the end;</li>
     *   <li>alternative 2 ({@code wordUpperHead}) ends at or after the upper-ish run it read, then reads as the
     *       first case: reach {@code <= e + 3};</li>
     *   <li>a prefix char: {@code e >= p}, the failed attempts read {@code t[p]} and at most {@code t[p + 1]},
     *       or an upper-ish run that the matching attempt then covers, or (a mark) back off as above;</li>
     *   <li>digits: at most three code points and the next one: reach {@code <= e + 2};</li>
     *   <li>symbols ({@code symbolTail}): the run and the {@code \r \n /} after it are read one past their end,
     *       which is {@code e}: reach {@code <= e + 2};</li>
     *   <li>white space: the whole run from {@code s} is read to its end {@code E} (reach {@code E + 1}); the piece
     *       ends after the run's last line break (then {@code t[e, E)} is white space: {@code W(e) = E}), or at
     *       {@code E - 1}, or at {@code E}. This is {@code \s*[\r\n]+} giving back the spaces after the last line
     *       break: a later line break in a longer text would move the end.</li>
     * </ul>
     * For a boundary {@code e <= b}: if {@code U(e) > b}, the run from {@code e} covers {@code b}, a code point
     * boundary of that run (both parse from {@code e}, and a surrogate pair is one code point either way), so
     * {@code U(b) = U(e)}; else {@code U(e) <= b}; the same for {@code W}. So every piece before {@code b} has a
     * reach of at most {@code max(b + 3, U(b) + 2, W(b) + 1)}, and this method requires that to be {@code <= n}.
     * ({@code U} is taken with {@code n}: a high surrogate at {@code n - 1} counts as unpaired, ends the run at
     * {@code n - 1}, and {@code n + 1 > n} refuses it, as the pair it may become would.)
     *
     * <p>The condition reads only {@code t[b, n)}, so it gives the same answer at the same place of any text that
     * ends with {@code t[b, n)}. Tested against full counts and JTokkit's on cut and extended texts
     * ({@code ResumingTokenCounterTest}).
     */
    static boolean settled(char[] t, int b, int n) {
        if (b + 3 > n || run(t, b, n, UPPERISH) + 2 > n) {
            return false;
        }
        int w = b;
        while (w < n && (BMP[t[w]] & SPACE) != 0) {
            w++;
        }
        return w + 1 <= n;
    }

    /**
     * Alternative 1 from {@code p} (after any prefix): upper-ish run, lower-ish run of at least one,
     * contraction. Returns the end, or -1 when it does not match. When the lower-ish run cannot start
     * after the whole upper-ish run, the regex backs the upper-ish run off to its last lower-ish member.
     */
    private static int wordLowerTail(char[] t, int p, int n) {
        int i = p;
        int lastLowerEnd = -1;
        int f = 0;
        while (i < n) {
            f = at(t, i, n);
            if ((f & UPPERISH) == 0) {
                break;
            }
            i += width(f);
            if ((f & LOWERISH) != 0) {
                lastLowerEnd = i;
            }
        }
        if (i < n && (f & LOWERISH) != 0) {
            return contraction(t, run(t, i + width(f), n, LOWERISH), n);
        }
        return lastLowerEnd < 0 ? -1 : contraction(t, lastLowerEnd, n);
    }

    /** Alternative 2 from {@code p}: upper-ish run of at least one, lower-ish run, contraction. */
    private static int wordUpperHead(char[] t, int p, int n) {
        int i = run(t, p, n, UPPERISH);
        if (i == p) {
            return -1;
        }
        return contraction(t, run(t, i, n, LOWERISH), n);
    }

    /** Alternative 4 after its first symbol: more symbols, then any of {@code \r \n /}. */
    private static int symbolTail(char[] t, int i, int n) {
        i = run(t, i, n, SYMBOL);
        while (i < n && (t[i] == '\r' || t[i] == '\n' || t[i] == '/')) {
            i++;
        }
        return i;
    }

    /**
     * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)?} at {@code i}. Case-insensitive matching with Unicode case
     * (implied by UNICODE_CHARACTER_CLASS) compares {@code toLowerCase(toUpperCase(c))} char by char,
     * so U+017F LATIN SMALL LETTER LONG S matches {@code s}.
     */
    static int contraction(char[] t, int i, int n) {
        if (i + 1 < n && fold(t[i]) == '\'') {
            int c1 = fold(t[i + 1]);
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
                return i + 2;
            }
            if ((c1 == 'r' || c1 == 'v' || c1 == 'l') && i + 2 < n) {
                int c2 = fold(t[i + 2]);
                if (c2 == (c1 == 'l' ? 'l' : 'e')) {
                    return i + 3;
                }
            }
        }
        return i;
    }

    static int fold(char c) {
        if (c < 0x80) {
            return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
        }
        return Character.toLowerCase(Character.toUpperCase((int) c));
    }
}
