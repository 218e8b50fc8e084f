package dev.fastllm.core.tokens;

/**
 * Splits text into pieces as cl100k_base's pattern
 * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+}
 * does in JTokkit 1.1.0, whose cl100k_base does not run that regex but a hand-written scanner; parity
 * is with that scanner, including its character classes:
 * <ul>
 *   <li>letters: ASCII letters below U+00AA, else {@link Character#getType(int)} in Lu, Ll, Lt, Lm, Lo
 *       up to U+323AF (nothing above);</li>
 *   <li>numbers: ASCII digits below U+00B2, else Nd, Nl, No up to U+1FBF9 (the "letter or number"
 *       test uses the letter cut-off U+323AF for both);</li>
 *   <li>white space: the fixed White_Space list {@code \t \n \u000B \f \r}, space, U+0085, U+00A0,
 *       U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000;</li>
 *   <li>contractions: case-insensitive, {@code 's} also with U+017F.</li>
 * </ul>
 * An unpaired surrogate is a code point of its own (neither letter, number nor space). The BMP's
 * classes are computed once per JVM into a table, supplementary ones on the fly.
 */
final class Cl100kSplitter {
    static final int LETTER = 1;
    static final int NUMBER = 2;
    static final int SPACE = 4;
    static final int LINE_BREAK = 8;           // \r or \n
    static final int PREFIX = 16;              // not \r, \n, letter or number
    static final int SYMBOL = 32;              // not white space, letter or number
    private static final int HIGH_SURROGATE = 64;
    private static final int TWO_CHARS = 128;

    private static final byte[] BMP = new byte[1 << 16];
    /** Classes of a surrogate without its other half: category Cs, like any surrogate code point. */
    private static final int UNPAIRED_SURROGATE = classify(0xD800);

    static {
        for (int c = 0; c < BMP.length; c++) {
            // a high surrogate's entry only says so: whether it is half of a pair depends on the next char
            int f = Character.isHighSurrogate((char) c) ? HIGH_SURROGATE : classify(c);
            BMP[c] = (byte) f;
        }
    }

    private Cl100kSplitter() {
    }

    static int classify(int cp) {
        int f = 0;
        if (isLetter(cp)) {
            f |= LETTER;
        }
        if (isNumber(cp)) {
            f |= NUMBER;
        }
        if (isSpace(cp)) {
            f |= SPACE;
        }
        if (cp == '\r' || cp == '\n') {
            f |= LINE_BREAK;
        }
        boolean letterOrNumber = isLetterOrNumber(cp);
        if (cp < '0' ? cp != '\r' && cp != '\n' : !letterOrNumber) {
            f |= PREFIX;
        }
        if (cp < '0' ? cp != ' ' && (cp > '\r' || cp < '\t') : !letterOrNumber && !isSpace(cp)) {
            f |= SYMBOL;
        }
        return f;
    }

    private static boolean isLetter(int cp) {
        if (cp < 0xAA) {
            return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
        }
        return cp <= 0x323AF && isLetterType(Character.getType(cp));
    }

    private static boolean isNumber(int cp) {
        if (cp < 0xB2) {
            return cp >= '0' && cp <= '9';
        }
        return cp <= 0x1FBF9 && isNumberType(Character.getType(cp));
    }

    private static boolean isLetterOrNumber(int cp) {
        if (cp < 0xAA) {
            return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
        }
        if (cp > 0x323AF) {
            return false;
        }
        int type = Character.getType(cp);
        return isLetterType(type) || isNumberType(type);
    }

    private static boolean isLetterType(int type) {
        return type == Character.UPPERCASE_LETTER || type == Character.LOWERCASE_LETTER
                || type == Character.TITLECASE_LETTER || type == Character.MODIFIER_LETTER
                || type == Character.OTHER_LETTER;
    }

    private static boolean isNumberType(int type) {
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    private static boolean isSpace(int cp) {
        if (cp <= '\r') {
            return cp >= '\t';
        }
        if (cp < 0x85) {
            return cp == ' ';
        }
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

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

    // at/width/run read like O200kSplitter's on purpose: each reads its own static class table, so the per-char
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
        char first = t[s];
        int f0 = at(t, s, n);
        int p1 = s + width(f0);
        int f1 = p1 < n ? at(t, p1, n) : 0;
        if (first == '\'' && p1 < n) {
            char c1 = t[p1];
            if (c1 == 's' || c1 == 'd' || c1 == 't' || c1 == 'm'
                    || c1 == 'S' || c1 == 'D' || c1 == 'T' || c1 == 'M' || c1 == '\u017F') {
                return s + 2;
            }
            if (s + 2 < n && isLongContraction(c1, t[s + 2])) {
                return s + 3;
            }
        }
        if ((f0 & LETTER) != 0 || ((f0 & PREFIX) != 0 && (f1 & LETTER) != 0)) {
            return (f1 & LETTER) != 0 ? run(t, p1 + width(f1), n, LETTER) : p1;
        }
        if ((f0 & NUMBER) != 0) {
            int e = p1;
            if ((f1 & NUMBER) != 0) {
                e += width(f1);
                if (e < n) {
                    int f = at(t, e, n);
                    if ((f & NUMBER) != 0) {
                        e += width(f);
                    }
                }
            }
            return e;
        }
        if ((f0 & SYMBOL) != 0 || (first == ' ' && (f1 & SYMBOL) != 0)) {
            int e = (f1 & SYMBOL) != 0 ? run(t, p1 + width(f1), n, SYMBOL) : p1;
            while (e < n && (t[e] == '\r' || t[e] == '\n')) {
                e++;
            }
            return e;
        }
        // white space (all of it in the BMP): up to and including the last line break of the run;
        // else the run less its last character when something other than white space follows
        int e = s;
        int lastLineBreak = -1;
        while (e < n) {
            int f = BMP[t[e]];
            if ((f & SPACE) == 0) {
                break;
            }
            if ((f & LINE_BREAK) != 0) {
                lastLineBreak = e;
            }
            e++;
        }
        if (lastLineBreak >= 0) {
            return lastLineBreak + 1;
        }
        if (e == s) {
            // a code point in none of the classes (none exists in the Unicode of JDK 17 to 25): a piece of
            // its own rather than no progress
            return s + width(f0);
        }
        if (e == n || e - s == 1) {
            return e;
        }
        return e - 1;
    }

    /**
     * Whether the pieces of {@code t[0, n)} that end at or before the piece boundary {@code b} are the pieces of
     * every text that starts with {@code t[0, n)} (see {@link O200kSplitter#settled}, whose argument this follows).
     * Here a piece's reach (one more than the largest index its scan compares with {@code n} or reads) is at most
     * {@code max(e + 3, W(e) + 1)}, {@code W(x)} being the end of the white-space run from {@code x}:
     * <ul>
     *   <li>every piece first reads the code point at {@code s} and the one after it ({@code p1 <= s + 2}, and
     *       {@code p1 + 1} when that is a high surrogate); a piece that starts with a surrogate pair ends at
     *       {@code s + 2} or later, any other at {@code s + 1} or later: reach {@code <= e + 2};</li>
     *   <li>a contraction compares {@code s + 2}: reach {@code <= s + 3 <= e + 2};</li>
     *   <li>letters ({@code \p{L}+}, possessive, no giving back), digits (three at most) and symbols with the line
     *       breaks after them end where their run stops, read one code point past: reach {@code <= e + 2};</li>
     *   <li>white space reads its whole run to {@code E}: reach {@code E + 1}; the piece ends after the run's last
     *       line break ({@code W(e) = E}: {@code \s*[\r\n]} gives back the rest, which a later line break would
     *       take), at {@code E - 1} or at {@code E}.</li>
     * </ul>
     * Letter runs never give back here, so unlike o200k_base no upper-ish run enters; the white-space run is
     * carried to {@code b} as there. The condition reads only {@code t[b, n)}.
     */
    static boolean settled(char[] t, int b, int n) {
        if (b + 3 > n) {
            return false;
        }
        int w = b;
        while (w < n && (BMP[t[w]] & SPACE) != 0) {
            w++;
        }
        return w + 1 <= n;
    }

    private static boolean isLongContraction(char c1, char c2) {
        int u1 = Character.toUpperCase((int) c1);
        int u2 = Character.toUpperCase((int) c2);
        return (u1 == 'L' && u2 == 'L') || (u1 == 'V' && u2 == 'E') || (u1 == 'R' && u2 == 'E');
    }
}
