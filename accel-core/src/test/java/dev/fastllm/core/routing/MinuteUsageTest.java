package dev.fastllm.core.routing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MinuteUsageTest {

    private static final long U = FastRouter.UNSET;

    @Test
    void takenCountsReadMovedAndRefuseLateAdditions() {
        for (boolean offHeap : new boolean[]{true, false}) {
            MinuteUsage u = new MinuteUsage(7, 3, 0, MinuteUsage.Layout.SIDE_BY_SIDE_WITH_FLIGHTS, offHeap);
            assertEquals(offHeap, u.offHeap());
            assertTrue(u.addFlights(1, 1));
            assertTrue(u.addFlights(1, 1));
            assertTrue(u.addFlights(2, -1)); // an end counted before its claim moved in
            assertEquals(2, u.takeFlights(1));
            assertEquals(-1, u.takeFlights(2));
            assertEquals(0, u.takeFlights(0));
            for (int k = 0; k < 1_000; k++) { // late claims and ends keep the mark
                assertFalse(u.addFlights(1, k % 2 == 0 ? 1 : -1));
                assertFalse(u.addFlights(2, 1));
            }
            assertTrue(MinuteUsage.moved(u.flights(1)));
            assertTrue(MinuteUsage.moved(u.flights(2)));
            // the words beside the counts are untouched by them
            assertEquals(0, u.requests(0));
            assertEquals(0, u.requests(2));
        }
    }

    @Test
    void wordsAndCountsDoNotOverlap() {
        for (boolean offHeap : new boolean[]{true, false}) {
            int n = FastRouter.MAX_DEPLOYMENTS;
            long[] unset = new long[n];
            java.util.Arrays.fill(unset, Long.MAX_VALUE);
            RoomyRegions regions = new RoomyRegions(unset, unset);
            MinuteUsage u = MinuteUsage.startedWith(1, n, n - 1, 1, 5, regions,
                    MinuteUsage.Layout.SIDE_BY_SIDE_WITH_FLIGHTS, offHeap);
            for (int i = 0; i < n; i++) {
                assertTrue(u.claim(i, i, Long.MAX_VALUE, Long.MAX_VALUE, regions));
                assertTrue(u.addFlights(i, i + 1));
            }
            for (int i = 0; i < n; i++) {
                assertEquals(i == n - 1 ? 2 : 1, u.requests(i), "requests " + i);
                assertEquals(i == n - 1 ? i + 5 : i, MinuteUsage.tokens(u, i), "tokens " + i);
                assertEquals(i + 1, u.flights(i), "in flight " + i);
            }
        }
    }

    @Test
    void sideBySideWordsAreOffHeapWhereThePicksReadThemAll() {
        for (String strategy : new String[]{"simple-shuffle", "least-busy", "latency-based-routing",
                "usage-based-routing-v2"}) {
            FastRouter r = FastRouter.builder(strategy, 0, 0)
                    .group("g", new String[]{"a", "b"}, new long[]{U, U}, new long[]{U, U}, new long[]{U, U})
                    .build();
            boolean sideBySide = strategy.equals("least-busy") || strategy.equals("usage-based-routing-v2");
            assertEquals(sideBySide, r.group("g").usage().offHeap(), strategy);
            r.pick("g", 1, 1_700_000_000_000L); // a new minute keeps the layout
            assertEquals(sideBySide, r.group("g").usage().offHeap(), strategy);
        }
    }
}
