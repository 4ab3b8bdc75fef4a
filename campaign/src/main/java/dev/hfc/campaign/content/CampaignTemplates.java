package dev.hfc.campaign.content;

import com.samskivert.mustache.Escapers;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The campaign content: per segment a subject, a plain-text and an HTML Mustache template. Defaults ship in
 * the jar ({@code campaign/templates/<segment>.{subject,txt,html}.mustache}); a directory given by the
 * operator overrides any of those nine files by the same name.
 *
 * <p>Templates see {@code email}, {@code user_id}, {@code week} (e.g. {@code 2026-W49}), {@code week_start}
 * (its Monday, e.g. {@code 30 November 2026}), {@code segment}, {@code pause_weeks}, {@code pause_weeks_plural}
 * (true when more than one), {@code resume_link} and {@code unsubscribe_link}. Rendering is strict: a
 * template naming an unknown variable fails when the templates are loaded, not at the first customer; so
 * does a text or HTML template that does not show the unsubscribe link (bulk senders must show one). The
 * HTML template escapes values; subject and text do not.
 */
public final class CampaignTemplates {

    /** The part of a message a template renders. */
    public enum Part {
        SUBJECT("subject"),
        TEXT("txt"),
        HTML("html");

        private final String suffix;

        Part(String suffix) {
            this.suffix = suffix;
        }

        /** The template's file name for a segment, e.g. {@code high.subject.mustache}. */
        public String fileName(Segment segment) {
            return segment.wire() + "." + suffix + ".mustache";
        }
    }

    static final String DEFAULTS = "campaign/templates/";
    /** The link every message shows; an example for previews and the load-time check. */
    public static final String SAMPLE_UNSUBSCRIBE_LINK = "https://shop.example/hfc/unsubscribe?t=SAMPLE-TOKEN";

    private static final DateTimeFormatter WEEK_START = DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH);

    private final Map<Segment, Map<Part, Template>> templates;
    private final Template resumeLink;
    private final Map<Segment, Boolean> needsPauseWeeks = new EnumMap<>(Segment.class);

    private CampaignTemplates(Map<Segment, Map<Part, Template>> templates, Template resumeLink) {
        this.templates = templates;
        this.resumeLink = resumeLink;
    }

    /**
     * Whether the segment's templates (or the resume link) use {@code pause_weeks}: a row without it can
     * then not be rendered. Decided at load by rendering the segment without the variable.
     */
    public boolean needsPauseWeeks(Segment segment) {
        return needsPauseWeeks.get(segment);
    }

    /** The templates shipped with hfc. */
    public static CampaignTemplates defaults(String resumeLinkTemplate) {
        return load(null, resumeLinkTemplate);
    }

    /**
     * The shipped templates, with any file present in {@code overrides} (may be null) taking the place of
     * the default of the same name. Every template is compiled and rendered once with a sample recipient,
     * so a broken template is reported here, naming its file.
     *
     * @param resumeLinkTemplate the resume link, itself a template over the same variables (e.g.
     *     {@code https://shop.example/resume?week={{week}}&user={{user_id}}})
     * @throws IllegalArgumentException for a missing directory, or a template that does not compile or render
     */
    public static CampaignTemplates load(Path overrides, String resumeLinkTemplate) {
        if (overrides != null && !Files.isDirectory(overrides)) {
            throw new IllegalArgumentException(
                    "template directory " + overrides + " does not exist or is not a directory");
        }
        Mustache.Compiler plain = Mustache.compiler().escapeHTML(false).strictSections(true);
        // Only the characters that matter in HTML text and attribute values; jmustache's own HTML escaper
        // also turns '=' into an entity, which mangles every link.
        Mustache.Compiler html = Mustache.compiler().strictSections(true).withEscaper(Escapers.simple(new String[][] {
            {"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}
        }));
        Map<Segment, Map<Part, Template>> all = new EnumMap<>(Segment.class);
        for (Segment segment : Segment.values()) {
            Map<Part, Template> parts = new EnumMap<>(Part.class);
            for (Part part : Part.values()) {
                String name = part.fileName(segment);
                String source = read(overrides, name);
                try {
                    parts.put(part, (part == Part.HTML ? html : plain).compile(source));
                } catch (MustacheException e) {
                    throw new IllegalArgumentException(
                            "template " + origin(overrides, name) + " does not compile: " + e.getMessage(), e);
                }
            }
            all.put(segment, parts);
        }
        if (resumeLinkTemplate == null || resumeLinkTemplate.isBlank()) {
            throw new IllegalArgumentException("the resume link must not be empty");
        }
        Template link;
        try {
            link = plain.compile(resumeLinkTemplate);
        } catch (MustacheException e) {
            throw new IllegalArgumentException(
                    "resume link '" + resumeLinkTemplate + "' does not compile: " + e.getMessage(), e);
        }
        CampaignTemplates loaded = new CampaignTemplates(all, link);
        for (Segment segment : Segment.values()) {
            CampaignRecipient sample = sample(segment);
            for (Part part : Part.values()) {
                try {
                    String rendered =
                            loaded.renderPart(segment, part, loaded.variables(sample, SAMPLE_UNSUBSCRIBE_LINK));
                    if (part != Part.SUBJECT && !rendered.contains(SAMPLE_UNSUBSCRIBE_LINK)) {
                        throw new IllegalArgumentException(
                                "template " + origin(overrides, part.fileName(segment))
                                        + " does not show the unsubscribe link: add {{unsubscribe_link}} (bulk senders must show one)");
                    }
                } catch (MustacheException e) {
                    throw new IllegalArgumentException(
                            "template " + origin(overrides, part.fileName(segment)) + " does not render: "
                                    + e.getMessage(),
                            e);
                }
            }
            try {
                loaded.render(sample, SAMPLE_UNSUBSCRIBE_LINK);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "template " + origin(overrides, Part.SUBJECT.fileName(segment)) + ": " + e.getMessage(), e);
            }
            CampaignRecipient withoutPause = new CampaignRecipient(
                    sample.userId(), sample.email(), sample.week(), segment, null, sample.subscriptionId());
            boolean needs;
            try {
                loaded.renderUnchecked(withoutPause, SAMPLE_UNSUBSCRIBE_LINK);
                needs = false;
            } catch (MustacheException e) {
                needs = true;
            }
            loaded.needsPauseWeeks.put(segment, needs);
        }
        return loaded;
    }

    /**
     * The message for one recipient, with the content of its segment.
     *
     * @param unsubscribeLink the recipient's unsubscribe link, shown in the body
     * @throws IllegalArgumentException for a recipient without pause_weeks whose segment needs it
     */
    public RenderedEmail render(CampaignRecipient recipient, String unsubscribeLink) {
        if (recipient.pauseWeeks() == null && needsPauseWeeks(recipient.segment())) {
            throw new IllegalArgumentException(recipient.describe() + " has no pause_weeks, and the "
                    + recipient.segment().wire() + " templates use it");
        }
        return renderUnchecked(recipient, unsubscribeLink);
    }

    private RenderedEmail renderUnchecked(CampaignRecipient recipient, String unsubscribeLink) {
        Map<String, Object> vars = variables(recipient, unsubscribeLink);
        return new RenderedEmail(
                renderPart(recipient.segment(), Part.SUBJECT, vars).strip(),
                renderPart(recipient.segment(), Part.TEXT, vars),
                renderPart(recipient.segment(), Part.HTML, vars));
    }

    /** A made-up recipient of a segment, for {@code hfc campaign preview} and the load-time check. */
    public static CampaignRecipient sample(Segment segment) {
        int weeks = switch (segment) {
            case LOW -> 1;
            case MEDIUM -> 2;
            case HIGH -> 4;
        };
        return new CampaignRecipient(
                UUID.fromString("00000000-0000-4000-8000-000000000001"),
                "jamie.o'neill+box@example.com",
                Week.parse("2026-W49"),
                segment,
                weeks,
                UUID.fromString("00000000-0000-4000-8000-000000000002"));
    }

    private String renderPart(Segment segment, Part part, Map<String, Object> vars) {
        return templates.get(segment).get(part).execute(vars);
    }

    private Map<String, Object> variables(CampaignRecipient r, String unsubscribeLink) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("email", r.email());
        vars.put("user_id", r.userId().toString());
        vars.put("week", r.week().toString());
        vars.put("week_start", WEEK_START.format(r.week().monday()));
        vars.put("segment", r.segment().wire());
        if (r.pauseWeeks() != null) { // absent, not null: a template that uses it then fails instead of printing ""
            vars.put("pause_weeks", r.pauseWeeks());
            vars.put("pause_weeks_plural", r.pauseWeeks() > 1);
        }
        vars.put("resume_link", resumeLink.execute(vars));
        vars.put("unsubscribe_link", unsubscribeLink);
        return vars;
    }

    private static String read(Path overrides, String name) {
        try {
            if (overrides != null) {
                Path file = overrides.resolve(name);
                if (Files.isRegularFile(file)) {
                    return Files.readString(file, StandardCharsets.UTF_8);
                }
            }
            try (InputStream in = CampaignTemplates.class.getClassLoader().getResourceAsStream(DEFAULTS + name)) {
                if (in == null) {
                    throw new IllegalStateException("default template " + DEFAULTS + name + " is missing from the jar");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read template " + origin(overrides, name), e);
        }
    }

    private static String origin(Path overrides, String name) {
        return overrides != null && Files.isRegularFile(overrides.resolve(name))
                ? overrides.resolve(name).toString()
                : "(default) " + name;
    }

    /** The template file names an override directory may hold. */
    public static List<String> fileNames() {
        return java.util.Arrays.stream(Segment.values())
                .flatMap(s -> java.util.Arrays.stream(Part.values()).map(p -> p.fileName(s)))
                .toList();
    }
}
