package dev.hfc.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** docker-compose.yml cannot be run here (no Docker engine), so this keeps it in step with the CLI. */
class ComposeInStepTest {

    private static final Path COMPOSE = Path.of("..", "docker-compose.yml");

    @Test
    void everyVariableTheComposeFileSetsIsOneTheCliReads() throws Exception {
        String compose = Files.readString(COMPOSE);
        Set<String> set = new HashSet<>();
        Matcher m = Pattern.compile("^\\s+(HFC_[A-Z_]+):", Pattern.MULTILINE).matcher(compose);
        while (m.find()) {
            set.add(m.group(1));
        }
        assertThat(set).isNotEmpty();
        assertThat(cliVariables(Hfc.commandLine().getCommandSpec())).containsAll(set);
    }

    @Test
    void everyFlagInAServiceCommandExistsOnThatSubcommand() throws Exception {
        String compose = Files.readString(COMPOSE);
        Matcher m = Pattern.compile("command: \\[(.*)]").matcher(compose);
        int checked = 0;
        while (m.find()) {
            List<String> words = Pattern.compile("\"([^\"]*)\"")
                    .matcher(m.group(1))
                    .results()
                    .map(r -> r.group(1))
                    .toList();
            CommandLine cl = Hfc.commandLine();
            for (String word : words) {
                if (word.startsWith("--")) {
                    assertThat(cl.getCommandSpec().findOption(word))
                            .as("%s of 'hfc %s'", word, cl.getCommandName())
                            .isNotNull();
                    checked++;
                } else if (cl.getSubcommands().containsKey(word)) {
                    cl = cl.getSubcommands().get(word);
                }
            }
        }
        assertThat(checked).isGreaterThan(5);
    }

    private static Set<String> cliVariables(CommandSpec spec) {
        Set<String> out = new HashSet<>();
        for (OptionSpec o : spec.options()) {
            String raw = o.defaultValueString(false);
            if (raw != null) {
                Matcher m = Pattern.compile("\\$\\{env:([A-Z0-9_]+)").matcher(raw);
                while (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        spec.subcommands().values().forEach(sub -> out.addAll(cliVariables(sub.getCommandSpec())));
        return out;
    }
}
