package dev.hfc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

/** The {@code --json} option every benchmark shares, with the helpers that build its one line of JSON. */
final class BenchJson {

    @Option(names = "--json", description = "Print one JSON object with every figure as the last line of stdout.")
    boolean enabled;

    /** A new JSON object whose first field names the benchmark. */
    static ObjectNode object(String bench) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("bench", bench);
        return o;
    }

    /** The value rounded to one decimal. */
    static double oneDecimal(double value) {
        return Math.round(value * 10) / 10.0;
    }

    /** The value rounded to two decimals. */
    static double twoDecimals(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
