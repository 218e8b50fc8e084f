package dev.fastllm.core.tokens;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** Input generators for the differential properties, adversarial by design. */
final class Generators {
    private Generators() {
    }

    /** Every Unicode White_Space character, plus look-alikes that are not white space. */
    static final String SPACES = "\t\n\u000B\f\r \u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
            + "\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000";
    static final String NOT_SPACES = "\uFEFF\u200B\u180E\u001C\u001D\u001E\u001F\u0000\u2060";

    private static final String[] ATOMS = {
        "'", "'", "'s", "'S", "'t", "'T", "'re", "'RE", "'rE", "'ve", "'Ve", "'m", "'M", "'ll", "'LL", "'lL", "'d",
        "'D", "'\u017F", "'\u017Fs", "n't", "I'M", "'x", "''", "'\u0301",
        "a", "Z", "hello", "World", "HTTP", "Server", "camelCase", "ALLCAPS", "\u01C5", "\u02B0", "\u3005",
        "é", "e\u0301", "\u0301", "\u0903", "\u0488", "\u20DD", "\uFE0F", "\u200D", "\u200C",
        "0", "7", "42", "123", "4567", "\u0660\u0661", "\u0966", "\u00B2", "\u00BD", "\u216B", "\uD835\uDFCE",
        "中文", "日本語", "テキスト", "한국어", "\uD840\uDC00", "\uD835\uDC07\uD835\uDC1E",
        "😀", "👍🏽", "👨\u200D👩\u200D👧", "🇯🇵", "1\uFE0F\u20E3",
        ".", ",", "!", "?", "...", "/", "//", "\\", "{", "}", "(", ")", "<|endoftext|>", "<|fim_prefix|>", "-", "—",
        "€", "\u00A9", "$", "#", "@", "_", "~", "`", "\"",
        "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDC00\uD800", "\uFFFD", "\uFFFF", "\uE000",
    };

    private static int anyCodePoint(SplittableRandom r) {
        switch (r.nextInt(6)) {
            case 0:
                return r.nextInt(0x80);
            case 1:
                return r.nextInt(0x800);
            case 2:
                return r.nextInt(0x10000);
            case 3:
                return r.nextInt(0x10000, 0x110000);
            case 4:
                return r.nextInt(0x1F300, 0x1FAFF);
            default:
                return r.nextInt(0x3000, 0xA000);
        }
    }

    /** Atoms, white space, raw code points and lone surrogates, glued together. */
    static String mixed(SplittableRandom r) {
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(1, 40);
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(10);
            if (kind < 4) {
                s.append(ATOMS[r.nextInt(ATOMS.length)]);
            } else if (kind < 6) {
                int run = r.nextInt(1, 5);
                for (int k = 0; k < run; k++) {
                    s.append(r.nextInt(4) == 0 ? SPACES.charAt(r.nextInt(SPACES.length())) : r.nextBoolean() ? ' ' : '\n');
                }
            } else if (kind < 7) {
                s.append(NOT_SPACES.charAt(r.nextInt(NOT_SPACES.length())));
            } else if (kind < 9) {
                s.appendCodePoint(anyCodePoint(r));
            } else {
                s.append((char) r.nextInt(0xD800, 0xE000));
            }
        }
        return s.toString();
    }

    /** Any 16-bit values at all, surrogates included, in any order. */
    static String rawChars(SplittableRandom r) {
        char[] c = new char[r.nextInt(1, 60)];
        for (int i = 0; i < c.length; i++) {
            c[i] = r.nextInt(3) == 0 ? (char) r.nextInt(0x80) : (char) r.nextInt(0x10000);
        }
        return new String(c);
    }

    /** Random bytes decoded as UTF-8 (malformed input becomes U+FFFD). */
    static String utf8Bytes(SplittableRandom r) {
        byte[] b = new byte[r.nextInt(1, 120)];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextInt(3) == 0 ? (byte) r.nextInt(0x80) : (byte) r.nextInt(256);
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Long runs that take the long-piece merge paths of both implementations. */
    static String longRuns(SplittableRandom r) {
        StringBuilder s = new StringBuilder();
        int runs = r.nextInt(1, 3);
        for (int k = 0; k < runs; k++) {
            int n = r.nextInt(50, 1500);
            switch (r.nextInt(8)) {
                case 0:
                    for (int i = 0; i < n; i++) {
                        s.append((char) ('a' + r.nextInt(26)));
                    }
                    break;
                case 1:
                    s.append(" ".repeat(n));
                    break;
                case 2:
                    for (int i = 0; i < n; i++) {
                        s.append(SPACES.charAt(r.nextInt(SPACES.length())));
                    }
                    break;
                case 3:
                    for (int i = 0; i < n / 2; i++) {
                        s.append((char) r.nextInt(0x4E00, 0x9FA6));
                    }
                    break;
                case 4:
                    String unit = ATOMS[r.nextInt(ATOMS.length)];
                    for (int i = 0; i < n / Math.max(1, unit.length()); i++) {
                        s.append(unit);
                    }
                    break;
                case 5:
                    for (int i = 0; i < n; i++) {
                        s.append("-=*#!.~".charAt(r.nextInt(7)));
                    }
                    break;
                case 6:
                    for (int i = 0; i < n; i++) {
                        s.append((char) ('0' + r.nextInt(10)));
                    }
                    break;
                default:
                    for (int i = 0; i < n / 2; i++) {
                        s.appendCodePoint(r.nextInt(2) == 0 ? r.nextInt(0xAC00, 0xD7A4) : r.nextInt(0x0400, 0x0530));
                    }
            }
            if (r.nextBoolean()) {
                s.append(mixed(r));
            }
        }
        return s.toString();
    }
}
