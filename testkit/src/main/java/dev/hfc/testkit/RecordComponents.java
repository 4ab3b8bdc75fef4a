package dev.hfc.testkit;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Records compared component by component: what a wither changed, and nothing else. */
public final class RecordComponents {

    private RecordComponents() {}

    /** The components in which {@code after} differs from {@code before}, with their values in {@code after}. */
    public static Map<String, Object> changed(Record before, Record after) {
        if (before.getClass() != after.getClass()) {
            throw new IllegalArgumentException(
                    before.getClass().getName() + " and " + after.getClass().getName() + " are not one record type");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : before.getClass().getRecordComponents()) {
            Object was = value(c, before);
            Object is = value(c, after);
            if (!Objects.equals(was, is)) {
                out.put(c.getName(), is);
            }
        }
        return out;
    }

    private static Object value(RecordComponent c, Record r) {
        try {
            c.getAccessor().setAccessible(true);
            return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "cannot read " + c.getName() + " of " + r.getClass().getName(), e);
        }
    }
}
