package dev.hfc.core.topic;

/**
 * The segmenter's meta store as others may read it, from its changelog topic: the campaign sender reads it to
 * know whether the segmenter is about to change the table (a re-segmentation or a rebuild in progress). The
 * segmenter writes these keys ({@code TaskMeta}); this is their one definition.
 */
public final class SegmenterMeta {

    /** The store's name in the segmenter's topology. */
    public static final String STORE = "segmenter-meta";
    /** Present while a re-segmentation under a new policy is in progress. */
    public static final String RESEGMENT = "resegment";
    /** The re-segmentation cursor of an earlier version; present while one is in progress. */
    public static final String LEGACY_CURSOR = "resegment-after";
    /** {@link #WHOLE} or {@link #REBUILDING}. */
    public static final String HISTORY = "history";

    public static final String WHOLE = "whole";
    public static final String REBUILDING = "rebuilding";

    private SegmenterMeta() {}

    /** The store's changelog topic of the segmenter whose application id is {@code applicationId}. */
    public static String changelog(String applicationId) {
        return applicationId + "-" + STORE + "-changelog";
    }
}
