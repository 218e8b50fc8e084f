package com.knuddels.jtokkit;

import java.util.ArrayList;
import java.util.List;

/** Test access to JTokkit's package-private cl100k_base scanner: the pieces it hands to its encoder. */
public final class JTokkitPieces {
    private JTokkitPieces() {
    }

    public static List<byte[]> cl100k(String text) {
        List<byte[]> pieces = new ArrayList<>();
        Cl100kParser.split(text, bytes -> {
            pieces.add(bytes.toArray());
            return false;
        });
        return pieces;
    }
}
