package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Exhaustive over code points, on the running JDK: our o200k_base classes equal what the regex engine
 * matches, and every single code point (and every BMP char, surrogates included) counts as in JTokkit.
 */
class CodePointTest {
    private static final int U = Pattern.UNICODE_CHARACTER_CLASS;
    private static final Pattern LETTER = Pattern.compile("\\p{L}", U);
    private static final Pattern NUMBER = Pattern.compile("\\p{N}", U);
    private static final Pattern UPPERISH = Pattern.compile("[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]", U);
    private static final Pattern LOWERISH = Pattern.compile("[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]", U);
    private static final Pattern MARK = Pattern.compile("\\p{M}", U);
    private static final Pattern SPACE = Pattern.compile("\\s", U);
    private static final Pattern PREFIX = Pattern.compile("[^\\r\\n\\p{L}\\p{N}]", U);
    private static final Pattern SYMBOL = Pattern.compile("[^\\s\\p{L}\\p{N}]", U);

    private static void check(int cp, String s, Pattern p, int flag) {
        boolean regex = p.matcher(s).matches();
        boolean ours = (O200kSplitter.classify(cp) & flag) != 0;
        if (regex != ours) {
            fail(String.format(Locale.ROOT, "U+%04X %s: regex %s, ours %s", cp, p, regex, ours));
        }
    }

    @Test
    void o200kClassesEqualTheRegexEnginesForEveryCodePoint() {
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            String s = new String(Character.toChars(cp));
            check(cp, s, LETTER, O200kSplitter.LETTER);
            check(cp, s, NUMBER, O200kSplitter.NUMBER);
            check(cp, s, UPPERISH, O200kSplitter.UPPERISH);
            check(cp, s, LOWERISH, O200kSplitter.LOWERISH);
            check(cp, s, MARK, O200kSplitter.MARK);
            check(cp, s, SPACE, O200kSplitter.SPACE);
            check(cp, s, PREFIX, O200kSplitter.PREFIX);
            check(cp, s, SYMBOL, O200kSplitter.SYMBOL);
        }
    }

    @Test
    void contractionCaseFoldIsTheRegexEnginesForEveryChar() {
        // Pattern's Unicode case-insensitive slice compares toLowerCase(toUpperCase(c))
        for (int c = 0; c < 0x10000; c++) {
            if (O200kSplitter.fold((char) c) != Character.toLowerCase(Character.toUpperCase(c))) {
                fail("fold of U+" + Integer.toHexString(c));
            }
        }
    }

    @Test
    void everyBmpCharAloneAndBetweenLettersCountsAsInJTokkit() {
        for (String encoding : Properties.ENCODINGS) {
            TokenCounter ours = TokenCounter.of(encoding);
            for (int c = 0; c < 0x10000; c++) {
                String alone = String.valueOf((char) c);
                String between = "a" + (char) c + "'s 1";
                if (ours.count(alone) != Oracle.count(encoding, alone)
                        || ours.count(between) != Oracle.count(encoding, between)) {
                    fail(encoding + ": U+" + Integer.toHexString(c));
                }
            }
        }
    }

    @Test
    void everySupplementaryCodePointAloneCountsAsInJTokkit() {
        for (String encoding : Properties.ENCODINGS) {
            TokenCounter ours = TokenCounter.of(encoding);
            for (int cp = 0x10000; cp <= Character.MAX_CODE_POINT; cp++) {
                if (!Character.isDefined(cp) && (cp & 0xFF) != 0) {
                    continue; // unassigned: one in 256 is enough, they all classify alike
                }
                String s = "x" + new String(Character.toChars(cp));
                if (ours.count(s) != Oracle.count(encoding, s)) {
                    fail(encoding + ": U+" + Integer.toHexString(cp));
                }
            }
        }
    }
}
