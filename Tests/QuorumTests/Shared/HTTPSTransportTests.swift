import Foundation
import QuorumGit
import XCTest

/// https through libgit2 against a loopback TLS server (`git http-backend`
/// behind Python's http.server and ssl) whose certificate a test CA made
/// here with openssl signed. The libgit2 Quorum builds loads no CA
/// certificates when it starts; Quorum loads them before its first https
/// operation, from git's settings or the system's, and verification stays
/// on: the server is refused until `http.sslCAInfo` names the test CA.
final class HTTPSTransportTests: SharedRepositoryTestCase {
    /// What the test server needs: the CA's certificate, the server's
    /// certificate and key.
    private struct TestCA {
        let certificate: String
        let serverCertificate: String
        let serverKey: String
    }

    private func makeCA() throws -> TestCA {
        let dir = root.appendingPathComponent("tls")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func openssl(_ args: [String]) throws {
            let outcome = try start("/usr/bin/openssl", args, as: nil, in: dir).finish()
            XCTAssertEqual(outcome.status, 0, "openssl \(args.joined(separator: " ")): \(outcome.errors)")
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Quorum Test CA"])
        try openssl(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"])
        try Data("subjectAltName=DNS:localhost\n".utf8).write(to: dir.appendingPathComponent("server.ext"))
        try openssl([
            "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
        ])
        return TestCA(
            certificate: dir.appendingPathComponent("ca.pem").path,
            serverCertificate: dir.appendingPathComponent("server.pem").path,
            serverKey: dir.appendingPathComponent("server.key").path)
    }

    /// Serves every repository under `root` over https (pushes allowed);
    /// returns the server and the shared repository's URL.
    private func startServer(_ ca: TestCA) throws -> (RunningTool, String) {
        let script = root.appendingPathComponent("https-git-server.py")
        try Data(Self.server.utf8).write(to: script)
        let server = try start("/usr/bin/python3", [script.path, root.path, ca.serverCertificate, ca.serverKey], as: nil, in: root)
        var port = ""
        for _ in 0..<300 where port.isEmpty {
            port = (try? String(contentsOf: server.output, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if port.isEmpty { usleep(20_000) }
        }
        if port.isEmpty {
            server.process.terminate()
            throw XCTSkip("the https test server did not start: \((try? String(contentsOf: server.errors, encoding: .utf8)) ?? "")")
        }
        return (server, "https://localhost:\(port)/shared.git")
    }

    func testHTTPSFetchAndPushVerifyTheServerAgainstHTTPSslCAInfo() throws {
        for tool in ["/usr/bin/openssl", "/usr/bin/python3"] {
            try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is needed (make deps installs it)")
        }
        let ana = try makeSharedReview()
        try gitOK(["config", "http.receivepack", "true"], in: bare)
        let ca = try makeCA()
        let (server, url) = try startServer(ca)
        defer { server.process.terminate() }

        let work = clone("eve")
        try gitOK(["init", "-q", work.path], in: root)
        try gitOK(["remote", "add", "origin", url], in: work)

        // Without the CA: the system's certificates do not vouch for the
        // server, so the fetch is refused, with the setting to use.
        let refused = try quorum(["sync"], as: .ben, in: work)
        XCTAssertNotEqual(refused.status, 0, refused.errors)
        XCTAssertTrue(refused.errors.contains("certificate"), refused.errors)
        XCTAssertTrue(refused.errors.contains("http.sslCAInfo"), refused.errors)
        XCTAssertEqual(try quorumRefs(work), [:])

        // With http.sslCAInfo naming the CA (as git reads it): fetched.
        try gitOK(["config", "http.sslCAInfo", ca.certificate], in: work)
        try quorumOK(["sync"], as: .ben, in: work)
        XCTAssertEqual(try quorumRefs(work), try quorumRefs(bare))

        // And pushed: a suggestion made here reaches the shared repository
        // through https and its receive-pack (hooks included).
        let id = try XCTUnwrap(try suggestLine(5, "Ben's https edit.", as: .ben, in: work)["id"] as? String)
        try quorumOK(["sync"], as: .ben, in: work)
        XCTAssertEqual(try quorumRefs(work), try quorumRefs(bare))
        try quorumOK(["sync"], in: ana)
        try quorumOK(["show", id], in: ana)
        try assertFsckClean(bare)

        // The library itself, in this process: a push without the CA is
        // refused before anything is sent; with http.sslCAInfo it goes in.
        // (GIT_SSL_CAINFO, which some machines set for everything, would
        // come first, as it does for git.)
        let inherited = ProcessInfo.processInfo.environment["GIT_SSL_CAINFO"]
        unsetenv("GIT_SSL_CAINFO")
        defer { if let inherited { setenv("GIT_SSL_CAINFO", inherited, 1) } }
        let repository = try Repository.open(at: work.path)
        let head = try XCTUnwrap(try repository.referenceTarget(roundBranch))
        let update = ReferenceUpdate(name: "refs/heads/https-check", expected: nil, target: head)
        try gitOK(["config", "--unset", "http.sslCAInfo"], in: work)
        let plain = try Repository.open(at: work.path)
        XCTAssertThrowsError(try plain.pushReferences(to: url, [update])) { error in
            XCTAssertTrue((error as? GitError)?.isCertificate == true, "\(error)")
        }
        XCTAssertThrowsError(try plain.fetchReferences(from: url, refspecs: [], prefixes: ["refs/"])) { error in
            XCTAssertTrue((error as? GitError)?.isCertificate == true, "\(error)")
        }
        XCTAssertFalse(try serverRefs().contains("refs/heads/https-check"))
        XCTAssertEqual(
            try plain.certificateLocations(environment: ["GIT_SSL_CAINFO": ca.certificate]),
            CertificateLocations(file: ca.certificate, directory: nil))
        try gitOK(["config", "http.sslCAInfo", ca.certificate], in: work)
        let configured = try Repository.open(at: work.path)
        let report = try configured.pushReferences(to: url, [update])
        XCTAssertEqual(report.refused, [:])
        let served = try serverRefs()
        XCTAssertTrue(served.contains("\(head.description) refs/heads/https-check"), served)
        let fetched = try configured.fetchReferences(from: url, refspecs: [], prefixes: ["refs/heads/"])
        XCTAssertEqual(fetched["refs/heads/https-check"], head)
    }

    func testCertificateLocationsFollowGit() throws {
        let none: (String) throws -> String? = { _ in nil }
        // Nothing set: the system's bundle (Debian's ca-certificates).
        if FileManager.default.fileExists(atPath: CertificateLocations.systemBundle) {
            XCTAssertEqual(
                try CertificateLocations.resolve(environment: [:], config: none),
                CertificateLocations(file: CertificateLocations.systemBundle, directory: nil))
        }
        // Config, with ~/ as git expands it.
        let config: (String) throws -> String? = { ["http.sslCAInfo": "~/ca.pem", "http.sslCAPath": "/etc/my-cas"][$0] }
        XCTAssertEqual(
            try CertificateLocations.resolve(environment: ["HOME": "/home/ana"], config: config),
            CertificateLocations(file: "/home/ana/ca.pem", directory: "/etc/my-cas"))
        // The environment before config, as git reads them.
        XCTAssertEqual(
            try CertificateLocations.resolve(environment: ["GIT_SSL_CAINFO": "/tmp/env.pem", "HOME": "/home/ana"], config: config),
            CertificateLocations(file: "/tmp/env.pem", directory: "/etc/my-cas"))
    }

    /// `git http-backend` as CGI behind Python's http.server, over TLS:
    /// prints its port, then serves until killed.
    private static let server = #"""
        import http.server, os, ssl, subprocess, sys

        root, certificate, key = sys.argv[1:4]

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self.backend()

            def do_POST(self):
                self.backend()

            def body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def backend(self):
                path, _, query = self.path.partition("?")
                data = self.body()
                env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path,
                           QUERY_STRING=query, REQUEST_METHOD=self.command, REMOTE_ADDR="127.0.0.1",
                           CONTENT_TYPE=self.headers.get("Content-Type", ""), CONTENT_LENGTH=str(len(data)))
                if self.headers.get("Content-Encoding"):
                    env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
                if self.headers.get("Git-Protocol"):
                    env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
                out = subprocess.run(["git", "http-backend"], input=data, env=env, capture_output=True).stdout
                separator = b"\r\n\r\n" if b"\r\n\r\n" in out else b"\n\n"
                head, _, payload = out.partition(separator)
                status, headers = 200, []
                for line in head.decode("latin-1").splitlines():
                    name, _, value = line.partition(":")
                    if name.lower() == "status":
                        status = int(value.split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
}
