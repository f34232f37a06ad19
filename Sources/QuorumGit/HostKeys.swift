import CLibGit2
import Foundation

// ssh host keys: an ssh server is trusted only when its host key is listed
// for it in a known_hosts file, as OpenSSH's `ssh` trusts it.
//
// libgit2 1.9 checks ~/.ssh/known_hosts itself and refuses any other key,
// but with only "invalid or unknown remote ssh hostkey", the same words for
// a server never seen and for one whose key has changed, and it reads no
// other file. Quorum's certificate callback decides instead (see
// `Repository.makeCallbacks`): the key must be listed for the host in one
// of the files OpenSSH reads by default (`KnownHosts.files`), and a refusal
// says which of the two cases it is, with the key's fingerprint and what to
// do. Nothing is ever added to a known_hosts file, and no setting turns the
// check off.

/// An ssh server whose host key no known_hosts file vouches for.
public struct HostKeyError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable, Equatable {
        /// No known_hosts file lists the host (with a key of this type).
        case unknown
        /// These files list the host with another key of the same type.
        case changed(in: [String])
    }

    public let host: String
    public let port: Int
    /// The key's type as ssh names it (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa…).
    public let keyType: String
    /// `SHA256:` and the key's digest in base64, as `ssh` and `ssh-keygen -l` print it.
    public let fingerprint: String
    public let reason: Reason
    /// The known_hosts files looked in.
    public let checked: [String]

    public init(host: String, port: Int, keyType: String, fingerprint: String, reason: Reason, checked: [String]) {
        self.host = host
        self.port = port
        self.keyType = keyType
        self.fingerprint = fingerprint
        self.reason = reason
        self.checked = checked
    }

    /// The host as known_hosts names it: `host`, or `[host]:port` for a
    /// port other than 22.
    public var knownHostsName: String { port == 22 ? host : "[\(host)]:\(port)" }

    public var description: String {
        switch reason {
        case .unknown:
            return "the ssh host key of \(knownHostsName) (\(keyType) \(fingerprint)) is not known: no known_hosts file lists it (\(checked.joined(separator: ", ")))"
        case .changed(let files):
            return "the ssh host key of \(knownHostsName) has CHANGED: it offers \(keyType) \(fingerprint), and \(files.joined(separator: ", ")) list\(files.count == 1 ? "s" : "") another \(keyType) key for it; someone may be intercepting the connection, or the server was given a new key"
        }
    }
}

/// Where ssh host keys are looked up, and the lookup.
public enum KnownHosts {
    /// The files OpenSSH's `ssh` reads by default (ssh_config(5):
    /// `UserKnownHostsFile` ~/.ssh/known_hosts and ~/.ssh/known_hosts2,
    /// `GlobalKnownHostsFile` /etc/ssh/ssh_known_hosts and
    /// /etc/ssh/ssh_known_hosts2). `~` is `HOME`, the home directory
    /// libgit2 and git use.
    public static func files(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var files: [String] = []
        if let home = environment["HOME"], !home.isEmpty {
            let ssh = (home as NSString).appendingPathComponent(".ssh")
            files += [(ssh as NSString).appendingPathComponent("known_hosts"), (ssh as NSString).appendingPathComponent("known_hosts2")]
        }
        return files + ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]
    }

    /// What the files say of `key` (raw, as the server sent it) for
    /// `host` at `port`: listed (nil), or why not. A file that exists but
    /// cannot be read counts as not listing the host.
    public static func verdict(host: String, port: Int, key: Data, rawType: git_cert_ssh_raw_type_t, files: [String]) -> HostKeyError.Reason? {
        var changed: [String] = []
        for file in files {
            let result = key.withUnsafeBytes { bytes in
                quorum_ssh_known_host(file, host, Int32(port), bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, Int32(rawType.rawValue))
            }
            switch Int(result) {
            case QUORUM_KNOWN_HOST_MATCH: return nil
            case QUORUM_KNOWN_HOST_CHANGED: changed.append(file)
            default: break
            }
        }
        // A key of a type libssh2 could not name was compared with every
        // key of the host: another key there says nothing of a change.
        return changed.isEmpty || rawType == GIT_CERT_SSH_RAW_TYPE_UNKNOWN ? .unknown : .changed(in: changed)
    }

    /// ssh's name for a key type.
    static func typeName(_ rawType: git_cert_ssh_raw_type_t) -> String {
        switch rawType {
        case GIT_CERT_SSH_RAW_TYPE_RSA: return "ssh-rsa"
        case GIT_CERT_SSH_RAW_TYPE_DSS: return "ssh-dss"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256: return "ecdsa-sha2-nistp256"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384: return "ecdsa-sha2-nistp384"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521: return "ecdsa-sha2-nistp521"
        case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519: return "ssh-ed25519"
        default: return "host key"
        }
    }

    /// Checks the host key libgit2 hands the certificate callback for an
    /// ssh connection to `url` (`fallbackHost`: the host libgit2 names).
    /// Nil when a known_hosts file lists it.
    static func check(_ cert: UnsafePointer<git_cert_hostkey>, url: String, fallbackHost: String?) -> HostKeyError? {
        let hostkey = cert.pointee
        let endpoint = SSHEndpoint(url: url)
        let host = endpoint?.host ?? fallbackHost ?? ""
        let port = endpoint?.port ?? 22
        var fingerprint = "SHA256:(unknown)"
        if hostkey.type.rawValue & GIT_CERT_SSH_SHA256.rawValue != 0 {
            let digest = withUnsafeBytes(of: hostkey.hash_sha256) { Data($0) }
            fingerprint = "SHA256:" + digest.base64EncodedString().replacingOccurrences(of: "=", with: "")
        }
        let files = files()
        let reason: HostKeyError.Reason?
        if hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.hostkey, hostkey.hostkey_len > 0 {
            let key = Data(bytes: raw, count: hostkey.hostkey_len)
            reason = verdict(host: host, port: port, key: key, rawType: hostkey.raw_type, files: files)
        } else {
            reason = .unknown  // no key to compare: nothing can vouch for it
        }
        guard let reason else { return nil }
        return HostKeyError(host: host, port: port, keyType: typeName(hostkey.raw_type), fingerprint: fingerprint, reason: reason, checked: files)
    }
}

/// The host and port of an ssh remote URL: `ssh://[user@]host[:port]/path`
/// (also `ssh+git://` and `git+ssh://`), or scp's `[user@]host:path`
/// (port 22).
struct SSHEndpoint: Equatable {
    let host: String
    let port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init?(url: String) {
        if let separator = url.range(of: "://") {
            guard ["ssh", "ssh+git", "git+ssh"].contains(url[..<separator.lowerBound].lowercased()) else { return nil }
            var authority = String(url[separator.upperBound...].prefix(while: { $0 != "/" }))
            if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
            var host = authority
            var port = 22
            if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
                host = String(authority[authority.index(after: authority.startIndex)..<close])
                let rest = authority[authority.index(after: close)...]
                if rest.hasPrefix(":"), let number = Int(rest.dropFirst()) { port = number }
            } else if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon])
                if let number = Int(authority[authority.index(after: colon)...]) { port = number }
            }
            guard !host.isEmpty else { return nil }
            self.host = host
            self.port = port
            return
        }
        // scp's form: no port; a bracketed host may hold colons.
        var rest = Substring(url)
        if let at = rest.firstIndex(of: "@"), !rest[..<at].contains(":") { rest = rest[rest.index(after: at)...] }
        let host: Substring
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
        } else {
            return nil
        }
        guard !host.isEmpty else { return nil }
        self.host = String(host)
        self.port = 22
    }
}
