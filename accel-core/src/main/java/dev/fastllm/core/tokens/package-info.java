/**
 * Exact token counting, encoding and decoding for OpenAI encodings (cl100k_base, o200k_base), a drop-in
 * for JTokkit 1.1.0's {@code Encoding}: {@link dev.fastllm.core.tokens.TokenCounter} (counts) and
 * {@link dev.fastllm.core.tokens.Tokenizer} (ids, decoding, JTokkit's special-token and limit rules) are
 * the whole public face, with {@link dev.fastllm.core.tokens.EncodedText} for limited encodings.
 *
 * <p>A text is split into pieces by a hand-written scanner per encoding (the encoding's regex, or in
 * cl100k_base's case JTokkit's own scanner, rule for rule), each piece's chars become bytes, and the
 * bytes are merged pair by pair by rank (pieces longer than 24 bytes by a linear-time backtracking
 * encoder with the same result). Piece counts and ids are cached; whole-text counts can be memoised.
 * Unpaired surrogates follow JTokkit: o200k_base writes '?' for one, cl100k_base its three-byte form.
 */
package dev.fastllm.core.tokens;
