package policekb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.server.CommunityBootstrapper;
import org.neo4j.server.NeoBootstrapper;

/**
 * A throw-away Neo4j Community server for policing-kb's tests and benchmarks.
 *
 * <p>Runs the same DBMS the Neo4j distribution's {@code neo4j console} runs
 * ({@link CommunityBootstrapper}), with a fresh home folder, Bolt and HTTP on the given loopback
 * ports, HTTPS off, authentication on with the password read from the environment (never argv,
 * which other users can read). Neo4j Browser is served at {@code /browser/} by the HTTP connector
 * when its jar ({@code org.neo4j.client:neo4j-browser}) is on the class path.
 *
 * <p>Usage: {@code java -cp ... policekb.Neo4jTestServer HOME BOLT_PORT HTTP_PORT PAGECACHE};
 * password in {@code POLICEKB_NEO4J_PASSWORD}; more settings (key=value lines) in
 * {@code POLICEKB_NEO4J_CONF}. Prints one line {@code POLICEKB-NEO4J-READY
 * bolt=... http=... browser=yes|no} when it serves, and runs until its standard input closes
 * (so it dies with the process that started it).
 */
public final class Neo4jTestServer {
    static final String READY = "POLICEKB-NEO4J-READY";
    static final String PASSWORD_ENV = "POLICEKB_NEO4J_PASSWORD";
    static final String EXTRA_CONF_ENV = "POLICEKB_NEO4J_CONF";

    private Neo4jTestServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: Neo4jTestServer HOME BOLT_PORT HTTP_PORT PAGECACHE");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int bolt = Integer.parseInt(args[1]);
        int http = Integer.parseInt(args[2]);
        String password = System.getenv(PASSWORD_ENV);
        if (password == null || password.length() < 8) {
            System.err.println(PASSWORD_ENV + " must hold a password of 8 or more characters");
            System.exit(2);
        }
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/neo4j.conf"), "# settings are passed by Neo4jTestServer\n");

        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("server.default_listen_address", "127.0.0.1");
        conf.put("server.default_advertised_address", "127.0.0.1");
        conf.put("server.bolt.enabled", "true");
        conf.put("server.bolt.listen_address", "127.0.0.1:" + bolt);
        conf.put("server.bolt.advertised_address", "127.0.0.1:" + bolt);
        conf.put("server.http.enabled", "true");
        conf.put("server.http.listen_address", "127.0.0.1:" + http);
        conf.put("server.http.advertised_address", "127.0.0.1:" + http);
        conf.put("server.https.enabled", "false");
        conf.put("dbms.security.auth_enabled", "true");
        conf.put("server.memory.pagecache.size", args[3]);
        // no network here, and nothing to report from a test server
        conf.put("dbms.usage_report.enabled", "false");
        // a test database: keep only the current transaction log, and do not write 250 MB of
        // zeros ahead into each new log file
        conf.put("db.tx_log.rotation.retention_policy", "1 files");
        conf.put("db.tx_log.preallocate", "false");
        // the query log (on by default, every query with its parameters) costs the server more
        // than many of the tests' queries do: a bulk load's parameters are megabytes
        conf.put("db.logs.query.enabled", "OFF");

        // more settings, one key=value a line, for a diagnostic run (e.g. the query log back on)
        String extra = System.getenv(EXTRA_CONF_ENV);
        if (extra != null) {
            for (String line : extra.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    conf.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        }

        CommunityBootstrapper neo = new CommunityBootstrapper();
        int rc = neo.start(home, home.resolve("conf/neo4j.conf"), conf, false, false);
        if (rc != NeoBootstrapper.OK) {
            System.err.println("Neo4j did not start (code " + rc + "); see " + home.resolve("logs"));
            System.exit(rc);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(neo::stop, "policekb-neo4j-stop"));
        setPassword(neo.getDatabaseManagementService(), password);
        boolean browser = Neo4jTestServer.class.getClassLoader().getResource("browser/index.html") != null;
        System.out.println(READY + " bolt=127.0.0.1:" + bolt + " http=127.0.0.1:" + http
                + " browser=" + (browser ? "yes" : "no"));
        System.out.flush();
        waitForEndOfInput(System.in);
        neo.stop();
        deleteTree(home); // a throw-away database: gone with its server, even if the parent died
        System.exit(0);
    }

    /** The built-in user keeps its name; its initial password is replaced, with no change forced. */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        dbms.database("system").executeTransactionally(
                "ALTER USER neo4j SET PLAINTEXT PASSWORD $password CHANGE NOT REQUIRED",
                Map.of("password", password));
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void waitForEndOfInput(InputStream in) {
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) >= 0) {
                // ignore what is written: only the end of input counts
            }
        } catch (IOException e) {
            // the parent went away: stop
        }
    }
}
