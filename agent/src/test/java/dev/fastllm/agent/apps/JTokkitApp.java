package dev.fastllm.agent.apps;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingResult;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * A test application that uses JTokkit as an application does: registries, then every counting, encoding
 * and decoding method of o200k_base, cl100k_base and p50k_base on fixed, generated and large texts, special
 * tokens included. It prints one line per encoding and text (the counts and a checksum of every answer, or the
 * exception JTokkit threw); standard output must be the same with and without the agent, in every mode. On
 * standard error it prints how many calls of o200k_base and cl100k_base JTokkit answers with an exception (the
 * calls the agent must decline) and, given a metrics port, the agent's jtokkit metrics after those two encodings
 * and again after p50k_base, and whether two registries hand out the same o200k_base object.
 * Usage: {@code JTokkitApp [metricsPort]}.
 */
public final class JTokkitApp {

    private static int mustDecline;

    public static void main(String[] args) throws Exception {
        EncodingRegistry lazy = Encodings.newLazyEncodingRegistry();
        EncodingRegistry full = Encodings.newDefaultEncodingRegistry();
        Encoding[] encodings = {lazy.getEncoding(EncodingType.O200K_BASE), full.getEncoding(EncodingType.CL100K_BASE),
                full.getEncoding(EncodingType.P50K_BASE)};
        EncodingRegistry again = Encodings.newDefaultEncodingRegistry();
        System.err.println("app: one o200k_base in two registries "
                + (again.getEncoding(EncodingType.O200K_BASE) == encodings[0]));
        List<String> texts = texts();
        for (Encoding e : encodings) {
            if (e.getName().equals("p50k_base")) {
                // o200k_base and cl100k_base done: what the agent counted for them, exactly
                System.err.println("app: calls the agent must decline " + mustDecline);
                printMetrics(args, "metrics ");
            }
            for (int i = 0; i < texts.size(); i++) {
                System.out.println(e.getName() + " " + i + " " + answers(e, texts.get(i)));
            }
        }
        printMetrics(args, "after p50k_base: metrics ");
    }

    private static void printMetrics(String[] args, String prefix) throws Exception {
        if (args.length > 0) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + args[0] + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith("fastllm_") && line.contains("point=\"jtokkit")) {
                    System.err.println(prefix + line);
                }
            }
        }
    }

    static List<String> texts() {
        List<String> texts = new ArrayList<>(List.of("", "Hello, world!", "日本語のテキスト 🤖👩‍💻 and ümlauts",
                "<|endoftext|> ends it", "fill <|fim_middle|> in", "<|endofprompt|>", "<|not a special token|>",
                "    indented\n\n\tcode();\r\n", " ".repeat(600), "The quick brown fox jumps. ".repeat(1500)));
        SplittableRandom r = new SplittableRandom(11);
        String alphabet = "abcXYZ 0123 .,;'\"!?-_\n\té中文🙂ك\u0301";
        for (int i = 0; i < 40; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(i % 10 == 0 ? 3000 : 200);
            while (sb.length() < len) {
                int cp = alphabet.codePointAt(r.nextInt(alphabet.length() - 1));
                sb.appendCodePoint(Character.isLowSurrogate((char) cp) ? 'q' : cp);
            }
            texts.add(sb.toString());
        }
        return texts;
    }

    /** Every method's answer on {@code text}: counts in clear, ids and bytes as a checksum. */
    static String answers(Encoding e, String text) {
        CRC32 crc = new CRC32();
        StringBuilder sb = new StringBuilder();
        sb.append("ordinary=").append(e.countTokensOrdinary(text));
        IntArrayList ids = e.encodeOrdinary(text);
        add(crc, ids);
        EncodingResult limited = e.encodeOrdinary(text, 9);
        add(crc, limited.getTokens());
        sb.append(" limited=").append(limited.isTruncated()).append('/').append(limited.getLastProcessedCharacterIndex());
        crc.update(e.decodeBytes(ids));
        crc.update(e.decode(limited.getTokens()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try {
            sb.append(" count=").append(e.countTokens(text));
            add(crc, e.encode(text));
            EncodingResult r = e.encode(text, 4);
            add(crc, r.getTokens());
            sb.append(" encodeLimited=").append(r.isTruncated()).append('/').append(r.getLastProcessedCharacterIndex());
        } catch (UnsupportedOperationException special) {
            sb.append(" special: ").append(special.getMessage());
            mustDecline += 1;
        }
        return sb.append(" crc=").append(Long.toHexString(crc.getValue())).toString();
    }

    private static void add(CRC32 crc, IntArrayList ids) {
        crc.update(Arrays.toString(ids.toArray()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
