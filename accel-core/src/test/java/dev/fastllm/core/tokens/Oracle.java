package dev.fastllm.core.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.JTokkitPieces;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** JTokkit 1.1.0, the reference every count and every piece is compared with. */
final class Oracle {
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    static final com.knuddels.jtokkit.api.Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);
    static final com.knuddels.jtokkit.api.Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);

    /** o200k_base's pattern exactly as JTokkit compiles it. */
    static final Pattern O200K_PATTERN = Pattern.compile(String.join("|",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
            "\\p{N}{1,3}",
            " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
            "\\s*[\\r\\n]+",
            "\\s+(?!\\S)",
            "\\s+"), Pattern.UNICODE_CHARACTER_CLASS);

    private Oracle() {
    }

    static com.knuddels.jtokkit.api.Encoding encoding(String name) {
        return Encoding.CL100K_BASE.equals(name) ? CL100K : O200K;
    }

    static int count(String encodingName, String text) {
        return encoding(encodingName).countTokensOrdinary(text);
    }

    /** o200k_base pieces by the regex. */
    static List<String> o200kPieces(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = O200K_PATTERN.matcher(text);
        int expected = 0;
        while (m.find()) {
            if (m.start() != expected) {
                pieces.add("<skipped " + text.substring(expected, m.start()) + ">");
            }
            pieces.add(m.group());
            expected = m.end();
        }
        return pieces;
    }

    /** cl100k_base pieces by JTokkit's scanner, as hex strings of their bytes. */
    static List<String> cl100kPieces(String text) {
        List<String> pieces = new ArrayList<>();
        for (byte[] b : JTokkitPieces.cl100k(text)) {
            pieces.add(hex(b));
        }
        return pieces;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format(Locale.ROOT, "%02x", x & 0xFF));
        }
        return s.toString();
    }

    /** Our o200k_base pieces. */
    static List<String> ourO200kPieces(String text) {
        char[] t = text.toCharArray();
        List<String> pieces = new ArrayList<>();
        for (int s = 0; s < t.length; ) {
            int e = O200kSplitter.pieceEnd(t, s, t.length);
            pieces.add(text.substring(s, e));
            s = e;
        }
        return pieces;
    }

    /** Our cl100k_base pieces, as hex strings of the bytes we merge. */
    static List<String> ourCl100kPieces(String text) {
        char[] t = text.toCharArray();
        List<String> pieces = new ArrayList<>();
        Encoding cl100k = Encoding.cl100k();
        byte[] b = new byte[3 * t.length + 4];
        for (int s = 0; s < t.length; ) {
            int e = Cl100kSplitter.pieceEnd(t, s, t.length);
            int n = cl100k.utf8(t, s, e, b);
            byte[] piece = new byte[n];
            System.arraycopy(b, 0, piece, 0, n);
            pieces.add(hex(piece));
            s = e;
        }
        return pieces;
    }

    static String describe(String text) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < text.length() && i < 400; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                s.append(c);
            } else {
                s.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            }
        }
        if (text.length() > 400) {
            s.append("...(").append(text.length()).append(" chars)");
        }
        return s.append('"').toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
