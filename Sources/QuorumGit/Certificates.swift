import CLibGit2
import Foundation

// The CA certificates https checks servers against.
//
// The libgit2 Quorum builds (scripts/build-libgit2.sh) loads none when it
// starts: Debian's build has the system bundle's path compiled in, and
// git_libgit2_init parses all of it (about 5 ms) in every process, whether
// or not the process ever speaks TLS. libgit2 has no hook to load them
// lazily, so the library sets them itself just before an http(s) fetch or
// push, from git's own settings (which libgit2 does not read). The server's
// certificate is always verified: nothing here turns verification off, and
// `http.sslVerify=false` is not honoured.

/// Where the CA certificates come from: a bundle file, a directory of
/// hashed certificates (as `c_rehash` makes them), or both.
public struct CertificateLocations: Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var directory: String?

    public init(file: String?, directory: String?) {
        self.file = file
        self.directory = directory
    }

    /// The system's certificates as Debian keeps them.
    public static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"
    public static let systemDirectory = "/etc/ssl/certs"

    /// Git's choice: `GIT_SSL_CAINFO` / `GIT_SSL_CAPATH` from the
    /// environment, else `http.sslCAInfo` / `http.sslCAPath` from config
    /// (a leading `~/` is the home directory, as git reads them); when
    /// none is set, the system bundle, or else the system's certificate
    /// directory. Nil when there is nothing to load.
    public static func resolve(environment: [String: String], config: (String) throws -> String?) throws -> CertificateLocations? {
        func setting(_ variable: String, _ key: String) throws -> String? {
            if let value = environment[variable], !value.isEmpty { return value }
            guard let value = try config(key), !value.isEmpty else { return nil }
            if value.hasPrefix("~/"), let home = environment["HOME"] { return home + value.dropFirst(1) }
            return value
        }
        let file = try setting("GIT_SSL_CAINFO", "http.sslCAInfo")
        let directory = try setting("GIT_SSL_CAPATH", "http.sslCAPath")
        if file != nil || directory != nil { return CertificateLocations(file: file, directory: directory) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: systemBundle, isDirectory: &isDirectory), !isDirectory.boolValue {
            return CertificateLocations(file: systemBundle, directory: nil)
        }
        if FileManager.default.fileExists(atPath: systemDirectory, isDirectory: &isDirectory), isDirectory.boolValue {
            return CertificateLocations(file: nil, directory: systemDirectory)
        }
        return nil
    }

    public var description: String {
        [file, directory].compactMap { $0 }.joined(separator: " and ")
    }
}

/// The locations libgit2 holds now, for the whole process: set again only
/// when a repository's settings name other ones.
private final class LoadedCertificates: @unchecked Sendable {
    static let shared = LoadedCertificates()
    private let lock = NSLock()
    private var current: CertificateLocations?

    func load(_ locations: CertificateLocations) throws {
        lock.lock()
        defer { lock.unlock() }
        guard locations != current else { return }
        let result = withOptionalCString(locations.file) { file in
            withOptionalCString(locations.directory) { directory in
                quorum_git_set_ssl_cert_locations(file, directory)
            }
        }
        do {
            try check("git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS)", result)
        } catch let error as GitError {
            throw GitError(
                function: error.function, code: error.code, errorClass: error.errorClass,
                message: "cannot load the CA certificates from \(locations): \(error.message)")
        }
        current = locations
    }

    private func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let string else { return body(nil) }
        return string.withCString { body($0) }
    }
}

extension Repository {
    /// The CA certificates an https operation from this repository
    /// verifies servers against (see `CertificateLocations.resolve`).
    public func certificateLocations(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CertificateLocations? {
        try CertificateLocations.resolve(environment: environment) { try configString($0) }
    }

    /// Before an http(s) operation on `url`: gives libgit2 the CA
    /// certificates to verify the server with, once per process (again
    /// only when they change). Other transports need none.
    func loadCertificates(for url: String) throws {
        let scheme = url.prefix(while: { $0 != ":" }).lowercased()
        guard scheme == "https" || scheme == "http" else { return }
        guard let locations = try certificateLocations() else { return }
        try LoadedCertificates.shared.load(locations)
    }
}
