package demo;

import java.util.List;

/**
 * A greeter.
 */
public class Greeter extends Base implements Runnable {
    private String name = "x";

    /** Make one. */
    public Greeter(String name) {
        this.name = name;
    }

    // Greets.
    @Override
    public String greet() {
        return String.format("hi %s", name);
    }

    interface Inner {
        void deep();
    }
}

enum Color { RED, GREEN }
