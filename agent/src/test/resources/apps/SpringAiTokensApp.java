import com.knuddels.jtokkit.api.EncodingType;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.content.Media;
import org.springframework.ai.content.MediaContent;
import org.springframework.ai.document.DefaultContentFormatter;
import org.springframework.ai.document.Document;
import org.springframework.ai.document.MetadataMode;
import org.springframework.ai.embedding.TokenCountBatchingStrategy;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.transformer.splitter.TokenTextSplitter;
import org.springframework.util.MimeTypeUtils;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A Spring AI application (compiled and run by the agent's tests against the real jars of each Spring AI version
 * under test): splits real text with {@code TokenTextSplitter}, estimates chat-sized and large texts and media
 * messages with {@code JTokkitTokenCountEstimator}, and batches documents with {@code TokenCountBatchingStrategy},
 * printing every chunk's and batch's checksum and every count. Standard output must be the same with and without
 * the agent. Given a metrics port, prints the agent's token metrics on standard error. Usage:
 * {@code SpringAiTokensApp.java [--chars maxCharsPerFile] [--metrics port] textFile...}.
 */
public class SpringAiTokensApp {

    public static void main(String[] args) throws Exception {
        List<Document> documents = new ArrayList<>();
        String metricsPort = null;
        int chars = Integer.MAX_VALUE;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--metrics")) {
                metricsPort = args[++i];
            } else if (args[i].equals("--chars")) {
                chars = Integer.parseInt(args[++i]);
            } else {
                Path p = Path.of(args[i]);
                String text = Files.readString(p, StandardCharsets.UTF_8);
                documents.add(new Document(p.getFileName().toString(), text.substring(0, Math.min(chars, text.length())),
                        Map.of("source", p.getFileName().toString())));
            }
        }
        documents.add(new Document("special", "a text with <|endoftext|> in it, which JTokkit refuses to encode.",
                Map.of()));
        List<Document> chunks = split(documents);
        estimate(documents);
        batch(chunks);
        if (metricsPort != null) {
            printMetrics(metricsPort);
        }
    }

    /** Every document through two splitters; returns the default splitter's chunks. */
    static List<Document> split(List<Document> documents) throws Exception {
        TokenTextSplitter byDefault = TokenTextSplitter.builder().build();
        TokenTextSplitter small = TokenTextSplitter.builder().withChunkSize(120).withMinChunkSizeChars(40)
                .withKeepSeparator(false).build();
        List<Document> kept = new ArrayList<>();
        for (Document d : documents) {
            for (TokenTextSplitter splitter : new TokenTextSplitter[] {byDefault, small}) {
                String name = splitter == byDefault ? "default" : "small";
                try {
                    long t0 = System.nanoTime();
                    List<Document> out = splitter.apply(List.of(d));
                    System.err.println("time split " + name + " " + d.getId() + " " + (System.nanoTime() - t0) / 1_000_000
                            + " ms");
                    System.out.println("split " + name + " " + d.getId() + " chunks " + out.size() + " " + digest(out));
                    if (splitter == byDefault) {
                        kept.addAll(out);
                    }
                } catch (RuntimeException e) {
                    System.out.println("split " + name + " " + d.getId() + " threw " + e);
                }
            }
        }
        return kept;
    }

    /** Chat-sized texts, whole files and media messages, in cl100k_base and o200k_base. */
    static void estimate(List<Document> documents) {
        StringBuilder all = new StringBuilder();
        for (Document d : documents) {
            all.append(d.getText()).append('\n');
        }
        SplittableRandom r = new SplittableRandom(11);
        List<String> chat = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            int len = 20 + r.nextInt(i % 10 == 0 ? 4000 : 600);
            int from = r.nextInt(all.length() - len);
            chat.add(all.substring(from, from + len));
        }
        for (EncodingType type : new EncodingType[] {EncodingType.CL100K_BASE, EncodingType.O200K_BASE}) {
            long t0 = System.nanoTime();
            JTokkitTokenCountEstimator estimator = new JTokkitTokenCountEstimator(type);
            long t1 = System.nanoTime();
            JTokkitTokenCountEstimator second = new JTokkitTokenCountEstimator(type);
            System.err.println("time estimator " + type.getName() + " first " + (t1 - t0) / 1_000 + " us second "
                    + (System.nanoTime() - t1) / 1_000 + " us");
            long sum = 0;
            long hash = 0;
            for (int round = 0; round < 2; round++) {
                for (String text : chat) {
                    int n = (round == 0 ? estimator : second).estimate(text);
                    sum += n;
                    hash = hash * 31 + n;
                }
            }
            System.out.println("estimate " + type.getName() + " chat texts " + chat.size() + " sum " + sum + " hash " + hash);
            for (Document d : documents) {
                try {
                    System.out.println("estimate " + type.getName() + " " + d.getId() + " " + estimator.estimate(d.getText()));
                } catch (RuntimeException e) {
                    System.out.println("estimate " + type.getName() + " " + d.getId() + " threw " + e);
                }
            }
            System.out.println("estimate " + type.getName() + " null " + estimator.estimate((String) null));
            byte[] image = new byte[3000];
            new SplittableRandom(5).nextBytes(image);
            MediaContent message = UserMessage.builder().text(chat.get(3))
                    .media(Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(image).build(),
                            Media.builder().mimeType(MimeTypeUtils.TEXT_PLAIN).data(chat.get(4)).build())
                    .build();
            System.out.println("estimate " + type.getName() + " media " + estimator.estimate(message)
                    + " messages " + estimator.estimate(List.of(message, UserMessage.builder().text(chat.get(5)).build())));
        }
    }

    /** The chunks as documents of their own, batched for an embedding model three ways, then by a limit too small. */
    static void batch(List<Document> chunks) throws Exception {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            docs.add(new Document("chunk-" + i, chunks.get(i).getText(), Map.of("n", i)));
        }
        TokenCountBatchingStrategy[] strategies = {new TokenCountBatchingStrategy(),
                new TokenCountBatchingStrategy(EncodingType.O200K_BASE, 2000, 0.1),
                new TokenCountBatchingStrategy(EncodingType.CL100K_BASE, 3000, 0.2,
                        DefaultContentFormatter.defaultConfig(), MetadataMode.EMBED)};
        for (int s = 0; s < strategies.length; s++) {
            List<List<Document>> batches = strategies[s].batch(docs);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (List<Document> b : batches) {
                for (Document d : b) {
                    md.update(d.getId().getBytes(StandardCharsets.UTF_8));
                }
                md.update((byte) 0);
            }
            System.out.println("batch " + s + " of " + docs.size() + ": " + batches.size() + " batches "
                    + HexFormat.of().formatHex(md.digest()));
        }
        try {
            new TokenCountBatchingStrategy(EncodingType.CL100K_BASE, 50, 0.1).batch(docs);
            System.out.println("batch small: no error");
        } catch (IllegalArgumentException e) {
            System.out.println("batch small threw " + e.getMessage());
        }
    }

    /** Texts and metadata of the chunks (ids are random, so they are left out). */
    static String digest(List<Document> chunks) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Document c : chunks) {
            md.update(c.getText().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            Map<String, Object> meta = new TreeMap<>(c.getMetadata());
            meta.remove("parent_document_id");
            md.update(meta.toString().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 1);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static void printMetrics(String port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith("fastllm_") && (line.contains("point=\"jtokkit") || line.contains("point=\"spring-ai"))) {
                System.err.println("metrics " + line);
            }
        }
    }
}
