package dev.fastllm.agent.apps;

import java.util.concurrent.CompletableFuture;

/** Calls acquire() of whatever class is named dev.fastllm.gateway.upstream.ConnectionPool on its class path. */
public final class PoolShapeApp {

    public static void main(String[] args) throws Exception {
        Class<?> c = Class.forName("dev.fastllm.gateway.upstream.ConnectionPool");
        Object pool = c.getConstructor().newInstance();
        System.out.println("acquire() = " + ((CompletableFuture<?>) c.getMethod("acquire").invoke(pool)).join());
    }
}
