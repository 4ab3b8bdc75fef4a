package dev.hfc.service;

import dev.hfc.campaign.content.CampaignTemplates;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What the templates render: the options of the campaign's content, shared by {@code send}, {@code run} and {@code preview}. */
final class CampaignContentOptions {
    @Option(
            names = "--templates-dir",
            paramLabel = "DIR",
            defaultValue = "${env:HFC_CAMPAIGN_TEMPLATES_DIR}",
            description = "Directory whose <segment>.{subject,txt,html}.mustache files replace the shipped ones "
                    + "(env HFC_CAMPAIGN_TEMPLATES_DIR; default: the shipped templates).")
    Path templatesDir;

    @Option(
            names = "--resume-link",
            paramLabel = "TEMPLATE",
            defaultValue =
                    "${env:HFC_CAMPAIGN_RESUME_LINK:-https://example.com/deliveries/resume?week={{week}}&user={{user_id}}}",
            description = "The resume link, a Mustache template over week, user_id, segment, ... "
                    + "(env HFC_CAMPAIGN_RESUME_LINK; default ${DEFAULT-VALUE}).")
    String resumeLink;

    CampaignTemplates templates() {
        return Cli.check(
                "--templates-dir / --resume-link",
                "HFC_CAMPAIGN_TEMPLATES_DIR / HFC_CAMPAIGN_RESUME_LINK",
                () -> CampaignTemplates.load(templatesDir, resumeLink));
    }
}
