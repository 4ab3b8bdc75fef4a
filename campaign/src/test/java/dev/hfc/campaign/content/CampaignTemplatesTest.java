package dev.hfc.campaign.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CampaignTemplatesTest {

    private static final String LINK = "https://shop.example/resume?week={{week}}&user={{user_id}}";
    private static final UUID USER = UUID.fromString("11111111-2222-4333-8444-555555555555");

    private static CampaignRecipient recipient(Segment segment, int pauseWeeks, String email) {
        return new CampaignRecipient(USER, email, Week.parse("2026-W53"), segment, pauseWeeks, UUID.randomUUID());
    }

    @Test
    void eachSegmentHasItsOwnContentWithTheRecipientsValues() {
        CampaignTemplates t = CampaignTemplates.defaults(LINK);
        RenderedEmail low =
                t.render(recipient(Segment.LOW, 1, "a@example.com"), CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK);
        RenderedEmail medium =
                t.render(recipient(Segment.MEDIUM, 3, "a@example.com"), CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK);
        RenderedEmail high =
                t.render(recipient(Segment.HIGH, 4, "a@example.com"), CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK);

        assertThat(low.subject()).isEqualTo("We will miss you next week");
        assertThat(medium.subject()).isEqualTo("Your box is on hold for 3 weeks: here is something to come back to");
        assertThat(high.subject()).isEqualTo("We would love to have you back: 4 weeks is a long time");
        assertThat(low.text())
                .contains("week of 28 December 2026 (2026-W53)")
                .contains("https://shop.example/resume?week=2026-W53&user=" + USER)
                .contains("a@example.com");
        assertThat(medium.text()).contains("paused for 3 weeks from the week of 28 December 2026");
        assertThat(high.html())
                .contains("paused for 4 weeks or more")
                .contains("href=\"https://shop.example/resume?week=2026-W53&amp;user=" + USER + "\"");
        assertThat(low.text()).isNotEqualTo(medium.text()).isNotEqualTo(high.text());
    }

    @Test
    void aSegmentNeedsPauseWeeksOnlyWhenItsTemplatesUseIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        CampaignTemplates shipped = CampaignTemplates.defaults("https://shop.example/r?u={{user_id}}");
        assertThat(shipped.needsPauseWeeks(Segment.LOW)).isFalse();
        assertThat(shipped.needsPauseWeeks(Segment.MEDIUM)).isTrue();
        assertThat(shipped.needsPauseWeeks(Segment.HIGH)).isTrue();
        var withoutPause = new CampaignRecipient(
                java.util.UUID.randomUUID(),
                "a@example.com",
                dev.hfc.core.week.Week.parse("2026-W49"),
                Segment.HIGH,
                null,
                java.util.UUID.randomUUID());
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> shipped.render(withoutPause, CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK))
                .hasMessageContaining("no pause_weeks");
        // The resume link counts too.
        CampaignTemplates linkNeedsIt = CampaignTemplates.defaults("https://shop.example/r?weeks={{pause_weeks}}");
        assertThat(linkNeedsIt.needsPauseWeeks(Segment.LOW)).isTrue();
        // An operator's high template without the variable: such rows can be sent.
        java.nio.file.Files.writeString(dir.resolve("high.subject.mustache"), "We miss you");
        java.nio.file.Files.writeString(
                dir.resolve("high.txt.mustache"),
                "Come back, {{email}}: {{resume_link}}\n" + "Stop: {{unsubscribe_link}}");
        java.nio.file.Files.writeString(
                dir.resolve("high.html.mustache"),
                "<p>Come back: {{resume_link}}</p>" + "<a href=\"{{unsubscribe_link}}\">Unsubscribe</a>");
        CampaignTemplates custom = CampaignTemplates.load(dir, "https://shop.example/r?u={{user_id}}");
        assertThat(custom.needsPauseWeeks(Segment.HIGH)).isFalse();
        assertThat(custom.render(withoutPause, CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK)
                        .subject())
                .isEqualTo("We miss you");
    }

    @Test
    void htmlEscapesValuesWhileSubjectAndTextKeepThemVerbatim() {
        CampaignTemplates t = CampaignTemplates.defaults(LINK);
        RenderedEmail e = t.render(
                recipient(Segment.LOW, 1, "o'neil<&>\"x\"@example.com"), CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK);
        assertThat(e.html())
                .contains("o&#39;neil&lt;&amp;&gt;&quot;x&quot;@example.com")
                .doesNotContain("<&>");
        assertThat(e.text()).contains("o'neil<&>\"x\"@example.com");
    }

    @Test
    void aFileInTheOverrideDirectoryReplacesOnlyThatTemplate(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("high.subject.mustache"), "{{pause_weeks}} weeks without you, {{email}}?\n");
        CampaignTemplates t = CampaignTemplates.load(dir, LINK);
        assertThat(t.render(recipient(Segment.HIGH, 5, "b@example.com"), CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK)
                        .subject())
                .isEqualTo("5 weeks without you, b@example.com?");
        assertThat(t.render(recipient(Segment.LOW, 1, "b@example.com"), CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK)
                        .subject())
                .isEqualTo("We will miss you next week");
        assertThat(t.render(recipient(Segment.HIGH, 5, "b@example.com"), CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK)
                        .text())
                .contains("paused for 5 weeks or more");
    }

    @Test
    void aTextOrHtmlTemplateWithoutTheUnsubscribeLinkIsRefusedAtLoad(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("medium.html.mustache"), "<p>Come back: {{resume_link}}</p>");
        assertThatThrownBy(() -> CampaignTemplates.load(dir, LINK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("medium.html.mustache").toString())
                .hasMessageContaining("{{unsubscribe_link}}");
        RenderedEmail shipped = CampaignTemplates.defaults(LINK)
                .render(recipient(Segment.HIGH, 4, "a@example.com"), "https://shop.example/u?t=abc");
        assertThat(shipped.text()).contains("https://shop.example/u?t=abc");
        assertThat(shipped.html()).contains("href=\"https://shop.example/u?t=abc\"");
    }

    @Test
    void aTemplateNamingAnUnknownVariableFailsAtLoadNamingTheFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("medium.txt.mustache"), "Hello {{first_name}}");
        assertThatThrownBy(() -> CampaignTemplates.load(dir, LINK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("medium.txt.mustache").toString())
                .hasMessageContaining("first_name");
    }

    @Test
    void aTemplateThatDoesNotCompileFailsAtLoad(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("low.html.mustache"), "{{#pause_weeks_plural}} unclosed");
        assertThatThrownBy(() -> CampaignTemplates.load(dir, LINK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("low.html.mustache")
                .hasMessageContaining("does not compile");
    }

    @Test
    void aSubjectWithALineBreakIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("low.subject.mustache"), "Hi\nBcc: everyone@example.com");
        assertThatThrownBy(() -> CampaignTemplates.load(dir, LINK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line break");
    }

    @Test
    void aMissingDirectoryOrEmptyLinkIsRefused(@TempDir Path dir) {
        assertThatThrownBy(() -> CampaignTemplates.load(dir.resolve("nope"), LINK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> CampaignTemplates.defaults(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resume link");
    }

    @Test
    void everyShippedTemplateExists() {
        assertThat(CampaignTemplates.fileNames()).hasSize(9);
        for (String name : CampaignTemplates.fileNames()) {
            assertThat(getClass().getClassLoader().getResource(CampaignTemplates.DEFAULTS + name))
                    .as(name)
                    .isNotNull();
        }
    }
}
