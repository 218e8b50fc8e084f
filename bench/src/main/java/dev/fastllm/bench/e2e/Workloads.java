package dev.fastllm.bench.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Request bodies of the end-to-end workloads, built from the repository's token-counting corpus (prose and source
 * code, generated from a fixed seed and committed with accel-core's tests), so every run sends the same bytes.
 *
 * <ul>
 *   <li>{@code chat}: a short system prompt and three turns (about 150 tokens), 64 variants.</li>
 *   <li>{@code rag}: a question over retrieved documents of 8 000 to 64 000 characters of prose or code
 *       (about 2 000 to 16 000 tokens), 256 distinct prompts, 9 M characters in all: more than the agent's
 *       memo of 2 M characters per encoding holds, so most prompts are counted afresh as new ones would be.</li>
 *   <li>{@code multiturn}: 16 conversations of 12 turns, each turn resending the whole history (user turns of
 *       about 600 characters, replies of about 400), interleaved as concurrent users would be.</li>
 *   <li>{@code stream}: the chat bodies with {@code "stream": true}, served by the slow mock.</li>
 * </ul>
 */
public final class Workloads {

    /** One workload: its name, the model group it calls, whether the slow (streaming) mock serves it, its bodies. */
    public record Workload(String name, String group, boolean slowMock, List<String> bodies) {
    }

    /** Model groups of the generated config: o200k_base and cl100k_base on the fast mock, o200k_base on the slow one. */
    public static final String O200K = "gpt-4o-mini";
    public static final String CL100K = "gpt-3.5-turbo";
    public static final String STREAM = "gpt-4o-mini-stream";

    private static final String SYSTEM = "You are a helpful assistant. Answer briefly and cite the part of the text you used.";

    private final String prose;
    private final String code;

    public Workloads(String prose, String code) {
        this.prose = prose;
        this.code = code;
    }

    /** From the corpus files on the class path ({@code /corpus/prose.txt}, {@code /corpus/code.txt}). */
    public static Workloads fromClassPath() {
        return new Workloads(resource("/corpus/prose.txt"), resource("/corpus/code.txt"));
    }

    private static String resource(String name) {
        try (InputStream in = Workloads.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path (bench copies accel-core's corpus)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every workload, in the order the runner measures them; {@code quick} keeps chat, RAG and streaming on o200k_base. */
    public List<Workload> all(boolean quick) {
        List<Workload> out = new ArrayList<>();
        out.add(new Workload("chat-o200k", O200K, false, chat(O200K, false)));
        if (!quick) {
            out.add(new Workload("chat-cl100k", CL100K, false, chat(CL100K, false)));
        }
        out.add(new Workload("rag-o200k", O200K, false, rag(O200K)));
        if (!quick) {
            out.add(new Workload("rag-cl100k", CL100K, false, rag(CL100K)));
            out.add(new Workload("multiturn-o200k", O200K, false, multiturn(O200K)));
        }
        out.add(new Workload("stream-o200k", STREAM, true, chat(STREAM, true)));
        return out;
    }

    /**
     * The workloads a point measured alone runs: chat, RAG and streaming on o200k_base (the quick plan's set). The
     * other workloads differ from these in the encoding or the prompt's shape, which only the tokens point sees,
     * and every point at once runs them all; measuring each point alone on all six would take the full run past 20 min.
     */
    public static List<Workload> onePointSet(List<Workload> all) {
        List<Workload> out = new ArrayList<>();
        for (Workload w : all) {
            if (w.name().equals("chat-o200k") || w.name().equals("rag-o200k") || w.name().equals("stream-o200k")) {
                out.add(w);
            }
        }
        return out;
    }

    List<String> chat(String group, boolean stream) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int at = (i * 4_099) % (prose.length() - 600);
            String[] messages = {
                    "system", SYSTEM,
                    "user", slice(prose, at, 200),
                    "assistant", slice(prose, at + 200, 150),
                    "user", "And what follows from that? " + slice(prose, at + 350, 90)};
            bodies.add(body(group, stream, 64, messages));
        }
        return bodies;
    }

    List<String> rag(String group) {
        List<String> bodies = new ArrayList<>();
        int n = 256;
        for (int i = 0; i < n; i++) {
            int length = 8_000 + (int) ((long) i * 56_000 / (n - 1));
            String source = i % 2 == 0 ? prose : code;
            int at = (int) (((long) i * 7_919 * 13) % (source.length() - length));
            String user = "Documents:\n" + slice(source, at, length) + "\n\nQuestion " + i
                    + ": what do these documents say, in two sentences?";
            bodies.add(body(group, false, 128, "system", "Answer only from the documents the user gives.", "user", user));
        }
        return bodies;
    }

    List<String> multiturn(String group) {
        int conversations = 16;
        int turns = 12;
        List<String> bodies = new ArrayList<>();
        for (int t = 1; t <= turns; t++) {
            for (int c = 0; c < conversations; c++) {
                List<String> messages = new ArrayList<>(List.of("system", SYSTEM));
                int base = (c * 20_011) % (prose.length() - turns * 1_000 - 1);
                for (int k = 0; k < t; k++) {
                    messages.add("user");
                    messages.add(slice(prose, base + k * 1_000, 600));
                    if (k < t - 1) {
                        messages.add("assistant");
                        messages.add(slice(prose, base + k * 1_000 + 600, 400));
                    }
                }
                bodies.add(body(group, false, 64, messages.toArray(String[]::new)));
            }
        }
        return bodies;
    }

    private static String slice(String text, int from, int length) {
        int start = Math.max(0, Math.min(from, text.length() - length));
        int end = start + length;
        if (start > 0 && Character.isLowSurrogate(text.charAt(start))) {
            start++;
        }
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    /** A chat completion body: {@code roleAndContent} alternates role and content. */
    static String body(String group, boolean stream, int maxTokens, String... roleAndContent) {
        StringBuilder sb = new StringBuilder("{\"model\":\"").append(group).append("\",");
        if (stream) {
            sb.append("\"stream\":true,");
        }
        sb.append("\"max_tokens\":").append(maxTokens).append(",\"messages\":[");
        for (int i = 0; i < roleAndContent.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"role\":\"").append(roleAndContent[i]).append("\",\"content\":");
            Json.string(sb, roleAndContent[i + 1]);
            sb.append('}');
        }
        return sb.append("]}").toString();
    }
}
