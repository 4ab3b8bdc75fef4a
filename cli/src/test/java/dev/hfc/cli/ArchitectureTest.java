package dev.hfc.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module structure as rules the build enforces (README, Architecture): the stages never import each other,
 * what is deployed never depends on the tools (the embedded servers, the test kit, the benchmarks, the harness), the
 * harness never depends on the benchmarks or the command, core depends on nothing else of ours, and its domain
 * packages stay free of Kafka, JDBC and HTTP.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.hfc");
    }

    private static final List<String> STAGES =
            List.of("dev.hfc.producer..", "dev.hfc.segmenter..", "dev.hfc.sink..", "dev.hfc.campaign..");

    @Test
    void theStagesNeverImportEachOther() {
        for (String stage : STAGES) {
            String[] others = STAGES.stream().filter(s -> !s.equals(stage)).toArray(String[]::new);
            noClasses()
                    .that()
                    .resideInAPackage(stage)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(others)
                    .because("the four stages meet only through topics and tables (core's catalogs)")
                    .check(classes);
        }
    }

    @Test
    void whatIsDeployedNeverDependsOnTheTools() {
        noClasses()
                .that(DEPLOYED)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.hfc.local..", "dev.hfc.testkit..", "dev.hfc.bench..", "dev.hfc.harness..")
                .because("the deployment jar (hfc-service.jar) holds no embedded server, test kit, benchmark,"
                        + " in-process pipeline or data generator")
                .check(classes);
    }

    @Test
    void theHarnessNeverDependsOnTheBenchmarksOrTheCommand() {
        noClasses()
                .that()
                .resideInAPackage("dev.hfc.harness..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.hfc.bench..", "dev.hfc.cli..")
                .because("the demo, the benchmarks and the system tests all build on the harness, not it on them")
                .check(classes);
    }

    @Test
    void theRuleAboveSeesTheServiceModuleAndOnlyIt() {
        org.assertj.core.api.Assertions.assertThat(
                        classes.that(DEPLOYED).stream().map(JavaClass::getSimpleName))
                .contains("CampaignRunCommand", "ServiceRunner", "SinkService", "CdcProducer", "SegmenterService")
                .doesNotContain(
                        "DemoCommand",
                        "BenchCommand",
                        "InProcessKafkaBroker",
                        "InProcessPipeline",
                        "SourceDataGenerator",
                        "SourceDataLoader");
    }

    @Test
    void coreDependsOnNothingElseOfOurs() {
        noClasses()
                .that()
                .resideInAPackage("dev.hfc.core..")
                .should()
                .dependOnClassesThat(DescribedPredicate.describe(
                        "hfc classes outside core",
                        (JavaClass c) -> c.getPackageName().startsWith("dev.hfc.")
                                && !c.getPackageName().startsWith("dev.hfc.core")))
                .check(classes);
    }

    @Test
    void theDomainPackagesOfCoreStayFreeOfKafkaJdbcAndHttp() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.hfc.core.week..", "dev.hfc.core.segment..", "dev.hfc.core.event..", "dev.hfc.core.email..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.kafka..",
                        "java.sql..",
                        "javax.sql..",
                        "org.eclipse.jetty..",
                        "dev.hfc.core.http..",
                        "dev.hfc.core.topic..")
                .because("weeks, segments, events and addresses are plain domain logic, tested without infrastructure")
                .check(classes);
    }

    /** Classes of the modules that make up hfc-service.jar: each has packages of its own. */
    private static final DescribedPredicate<JavaClass> DEPLOYED = DescribedPredicate.describe(
            "classes of core, schema, producer, segmenter-streams, sink, campaign and service", c -> {
                String pkg = c.getPackageName();
                return pkg.startsWith("dev.hfc.core")
                        || pkg.startsWith("dev.hfc.schema")
                        || pkg.startsWith("dev.hfc.producer")
                        || pkg.startsWith("dev.hfc.segmenter")
                        || pkg.startsWith("dev.hfc.sink")
                        || pkg.startsWith("dev.hfc.campaign")
                        || pkg.startsWith("dev.hfc.service")
                        || pkg.startsWith("db.output");
            });

    @Test
    void everyModuleHasPackagesOfItsOwn() {
        java.util.Map<String, java.util.Set<String>> modulesOfPackage = new java.util.TreeMap<>();
        for (JavaClass c : classes) {
            String where = c.getSource().map(s -> s.getUri().toString()).orElse("");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                            "/([a-z-]+)/target/(test-)?classes/|/hfc-([a-z-]+)-[0-9]")
                    .matcher(where);
            if (m.find()) {
                modulesOfPackage
                        .computeIfAbsent(c.getPackageName(), k -> new java.util.TreeSet<>())
                        .add(m.group(1) != null ? m.group(1) : m.group(3));
            }
        }
        assertThat(modulesOfPackage)
                .as("packages and the modules whose classes are in them")
                .isNotEmpty()
                .allSatisfy((pkg, modules) -> assertThat(modules)
                        .as("modules with classes in %s", pkg)
                        .hasSize(1));
    }
}
