package dev.hfc.core.event;

import java.util.function.Function;

/** The outcome of decoding and validating one record: the value, or why it was refused. */
public sealed interface DecodeResult<T> permits DecodeResult.Valid, DecodeResult.Invalid {

    static <T> DecodeResult<T> valid(T value) {
        return new Valid<>(value);
    }

    static <T> DecodeResult<T> invalid(RejectReason reason, String detail) {
        return new Invalid<>(new Rejection(reason, detail));
    }

    boolean isValid();

    /** The value; throws {@link RejectedRecordException} with the rejection when invalid. */
    T orThrow();

    <R> DecodeResult<R> map(Function<T, R> f);

    record Valid<T>(T value) implements DecodeResult<T> {
        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public T orThrow() {
            return value;
        }

        @Override
        public <R> DecodeResult<R> map(Function<T, R> f) {
            return new Valid<>(f.apply(value));
        }
    }

    record Invalid<T>(Rejection rejection) implements DecodeResult<T> {
        @Override
        public boolean isValid() {
            return false;
        }

        @Override
        public T orThrow() {
            throw new RejectedRecordException(rejection);
        }

        @Override
        public <R> DecodeResult<R> map(Function<T, R> f) {
            return new Invalid<>(rejection);
        }
    }
}
