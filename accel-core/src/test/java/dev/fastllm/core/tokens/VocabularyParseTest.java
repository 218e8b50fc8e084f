package dev.fastllm.core.tokens;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rank-file parser decodes base64 by hand into one array; every token of every bundled rank file must be
 * exactly what the JDK's decoder makes of its line, and a malformed file must be refused, not misread.
 */
class VocabularyParseTest {

    @ParameterizedTest
    @ValueSource(strings = {"cl100k_base", "o200k_base"})
    void everyTokenOfABundledRankFileIsWhatTheJdkDecoderReads(String name) throws IOException {
        String resource = Encoding.RANK_FILE_DIR + name + ".tiktoken";
        byte[] file;
        try (InputStream in = VocabularyParseTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertTrue(in != null, "missing " + resource);
            file = in.readAllBytes();
        }
        List<byte[]> expected = new ArrayList<>();
        for (String line : new String(file, StandardCharsets.US_ASCII).split("\n")) {
            if (!line.isEmpty()) {
                expected.add(Base64.getDecoder().decode(line.substring(0, line.indexOf(' '))));
            }
        }
        Vocabulary v = Vocabulary.parse(resource, file);
        assertEquals(expected.size(), v.size());
        for (int r = 0; r < expected.size(); r++) {
            byte[] got = Arrays.copyOfRange(v.tokenBytes(), v.start(r), v.start(r) + v.length(r));
            assertArrayEquals(expected.get(r), got, "rank " + r);
            assertEquals(r, v.rank(got, 0, got.length), "rank " + r + " looked up");
        }
    }

    @Test
    void paddingCarriageReturnsAndBlankLinesReadAsTheJdkReadsThem() {
        String[] tokens = {"!", "ab", "xyz", "four", "a longer token, past eight bytes"};
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        for (int r = 0; r < tokens.length; r++) {
            String line = Base64.getEncoder().encodeToString(tokens[r].getBytes(StandardCharsets.UTF_8)) + " " + r
                    + (r % 2 == 0 ? "\r\n" : "\n") + (r == 2 ? "\n" : "");
            file.writeBytes(line.getBytes(StandardCharsets.US_ASCII));
        }
        file.writeBytes("ZW5k 5".getBytes(StandardCharsets.US_ASCII)); // a last line with no newline: "end"
        Vocabulary v = Vocabulary.parse("test", file.toByteArray());
        assertEquals(6, v.size());
        for (int r = 0; r < 6; r++) {
            byte[] want = (r < 5 ? tokens[r] : "end").getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(want, Arrays.copyOfRange(v.tokenBytes(), v.start(r), v.start(r) + v.length(r)));
            assertEquals(r, v.rank(want, 0, want.length));
        }
    }

    @Test
    void aMalformedRankFileIsRefused() {
        assertThrows(IllegalStateException.class, () -> parse("IQ== 0\nIg== 2\n"), "a rank skipped");
        assertThrows(IllegalStateException.class, () -> parse("IQ== 0\nI*== 1\n"), "not base64");
        assertThrows(IllegalStateException.class, () -> parse("IQ== 0\nIg==\n"), "no rank");
        assertThrows(IllegalStateException.class, () -> parse("IQ== 0\nIg== 1x\n"), "not a number");
        assertThrows(IllegalStateException.class, () -> parse("IQ== 99999999999999999999\n"), "rank overflows");
    }

    private static Vocabulary parse(String text) {
        return Vocabulary.parse("test", text.getBytes(StandardCharsets.US_ASCII));
    }
}
