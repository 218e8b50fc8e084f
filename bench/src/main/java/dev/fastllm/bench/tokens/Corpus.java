package dev.fastllm.bench.tokens;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The committed token-counting corpus (accel-core/src/test/resources/corpus), read from the class path. */
public final class Corpus {
    public static final String[] FILES = {"prose", "code", "json", "cjk", "mixed"};

    private Corpus() {
    }

    public static String file(String name) {
        try (InputStream in = Corpus.class.getResourceAsStream("/corpus/" + name + ".txt")) {
            if (in == null) {
                throw new IllegalStateException("corpus file missing: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Short texts (chat messages, tool arguments): every line of every file cut to its first 99 chars,
     * blank lines skipped, interleaved file by file so that consecutive texts differ in kind.
     */
    public static List<String> shortTexts() {
        List<List<String>> perFile = new ArrayList<>();
        for (String name : FILES) {
            List<String> lines = new ArrayList<>();
            for (String line : file(name).split("\n")) {
                if (!line.isBlank()) {
                    lines.add(line.length() < 100 ? line : line.substring(0, 99));
                }
            }
            perFile.add(lines);
        }
        List<String> texts = new ArrayList<>();
        for (int i = 0; texts.size() < 20_000; i++) {
            for (List<String> lines : perFile) {
                texts.add(lines.get(i % lines.size()));
            }
        }
        return texts;
    }
}
