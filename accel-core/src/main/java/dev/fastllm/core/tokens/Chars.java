package dev.fastllm.core.tokens;

/** The chars of a CharSequence as an array: the splitters scan arrays, the fastest form to scan. */
final class Chars {
    private Chars() {
    }

    static char[] of(CharSequence text) {
        if (text instanceof String) {
            return ((String) text).toCharArray();
        }
        int n = text.length();
        char[] t = new char[n];
        if (text instanceof StringBuilder) {
            ((StringBuilder) text).getChars(0, n, t, 0);
        } else {
            for (int i = 0; i < n; i++) {
                t[i] = text.charAt(i);
            }
        }
        return t;
    }
}
