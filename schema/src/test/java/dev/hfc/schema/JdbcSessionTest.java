package dev.hfc.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@link JdbcSession} does to its connections, on connections that record it and fail where told: the calls
 * in their order, and the failures that reach the caller (JdbcSessionIT runs it against a real server).
 */
class JdbcSessionTest {

    /** Failures by method name ({@code commit}, {@code rollback}, {@code close}, {@code execute}), on all. */
    private final Map<String, SQLException> failures = new HashMap<>();

    private final List<FakeConnection> opened = new ArrayList<>();

    @Test
    void aTransactionCommitsAndANewConnectionIsSetUpOnce() throws Exception {
        JdbcSession session = session(false, "CREATE TEMP TABLE stage (n int)");
        String done = session.inTransaction(c -> "done");
        int two = session.inTransaction(c -> 2);
        assertThat(done).isEqualTo("done");
        assertThat(two).isEqualTo(2);
        assertThat(opened).hasSize(1);
        assertThat(opened.get(0).calls)
                .containsExactly(
                        "setAutoCommit false", "execute CREATE TEMP TABLE stage (n int)", "commit", "commit", "commit");
    }

    @Test
    void aFailedTransactionIsRolledBackAndRethrownWithAFailedRollbackSuppressed() throws Exception {
        JdbcSession session = session(false, null);
        SQLException deadlock = new SQLException("deadlock", "40P01");
        SQLException rollback = new SQLException("rollback failed", "XX000");
        failures.put("rollback", rollback);
        assertThatThrownBy(() -> session.inTransaction(c -> {
                    throw deadlock;
                }))
                .isSameAs(deadlock)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(rollback));
        failures.clear();
        SQLException commit = new SQLException("could not serialize", "40001");
        failures.put("commit", commit);
        assertThatThrownBy(() -> session.inTransaction(c -> 1)).isSameAs(commit);
        assertThat(opened).as("a lost conflict keeps the connection").hasSize(1);
        assertThat(opened.get(0).calls).containsExactly("setAutoCommit false", "rollback", "commit", "rollback");
    }

    @Test
    void aLostConnectionIsClosedAfterATransactionButLeftToTheCallerOfWithConnection() throws Exception {
        JdbcSession session = session(false, null);
        SQLException lost = new SQLException("terminating connection due to administrator command", "57P01");
        assertThatThrownBy(() -> session.withConnection(c -> {
                    throw lost;
                }))
                .isSameAs(lost);
        InterruptedException interrupted = new InterruptedException("stopping");
        assertThatThrownBy(() -> session.withConnection(c -> {
                    throw interrupted;
                }))
                .isSameAs(interrupted);
        assertThat(opened.get(0).closed).isFalse();
        assertThatThrownBy(() -> session.inTransaction(c -> {
                    throw lost;
                }))
                .isSameAs(lost);
        assertThat(opened.get(0).calls)
                .containsExactly("setAutoCommit false", "rollback", "rollback", "rollback", "close");
        String again = session.withConnection(c -> "again");
        assertThat(again).isEqualTo("again");
        assertThat(opened).as("a new connection after the lost one was closed").hasSize(2);
        session.close();
        assertThat(opened.get(1).calls).containsExactly("setAutoCommit false", "close");
    }

    @Test
    void aSessionInAutocommitNeitherCommitsNorRollsBack() throws Exception {
        JdbcSession session = session(true, null);
        SQLException conflict = new SQLException("deadlock", "40P01");
        assertThatThrownBy(() -> session.withConnection(c -> {
                    throw conflict;
                }))
                .isSameAs(conflict)
                .satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
        int three = session.withConnection(c -> 3);
        assertThat(three).isEqualTo(3);
        assertThatThrownBy(() -> session.inTransaction(c -> 4)).isInstanceOf(IllegalStateException.class);
        assertThat(opened).hasSize(1);
        assertThat(opened.get(0).calls).containsExactly("setAutoCommit true");
    }

    @Test
    void aNewConnectionWhoseSetupFailsIsClosedAndTheNextWorkOpensAnother() throws Exception {
        JdbcSession session = session(false, "CREATE TEMP TABLE broken (");
        SQLException syntax = new SQLException("syntax error at end of input", "42601");
        SQLException closing = new SQLException("close failed");
        failures.put("execute", syntax);
        failures.put("close", closing);
        assertThatThrownBy(() -> session.inTransaction(c -> 1))
                .isSameAs(syntax)
                .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(closing));
        failures.clear();
        int one = session.inTransaction(c -> 1);
        assertThat(one).isEqualTo(1);
        assertThat(opened).hasSize(2);
        assertThat(opened.get(0).calls)
                .containsExactly("setAutoCommit false", "execute CREATE TEMP TABLE broken (", "close");
        assertThat(opened.get(1).calls)
                .containsExactly("setAutoCommit false", "execute CREATE TEMP TABLE broken (", "commit", "commit");
    }

    private JdbcSession session(boolean autoCommit, String setupSql) {
        return new JdbcSession(
                () -> {
                    FakeConnection fake = new FakeConnection();
                    opened.add(fake);
                    return fake.proxy();
                },
                autoCommit,
                setupSql);
    }

    /** A connection that records the calls made to it and throws the failures the test put in place. */
    private final class FakeConnection implements InvocationHandler {

        final List<String> calls = new ArrayList<>();
        boolean closed;

        Connection proxy() {
            return (Connection) Proxy.newProxyInstance(
                    JdbcSessionTest.class.getClassLoader(), new Class<?>[] {Connection.class}, this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            switch (name) {
                case "isClosed":
                    return closed;
                case "createStatement":
                    return statement();
                case "toString":
                    return "fake connection";
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    break;
            }
            calls.add(args == null ? name : name + " " + args[0]);
            if (name.equals("close")) {
                closed = true;
            }
            SQLException failure = failures.get(name);
            if (failure != null) {
                throw failure;
            }
            return null;
        }

        private Statement statement() {
            return (Statement) Proxy.newProxyInstance(
                    JdbcSessionTest.class.getClassLoader(), new Class<?>[] {Statement.class}, (proxy, method, args) -> {
                        if (!method.getName().equals("execute")) {
                            return null; // close
                        }
                        calls.add("execute " + args[0]);
                        SQLException failure = failures.get("execute");
                        if (failure != null) {
                            throw failure;
                        }
                        return false;
                    });
        }
    }
}
