import Foundation
import QuorumGit

extension ReviewRepository {
    /// A git setting as git reads it: from `GIT_CONFIG_COUNT` /
    /// `GIT_CONFIG_KEY_<n>` / `GIT_CONFIG_VALUE_<n>` in the environment
    /// first (git's `-c` passed down), then the repository's, global and
    /// system configuration.
    func gitConfig(_ key: String) throws -> String? {
        if let count = environment["GIT_CONFIG_COUNT"].flatMap(Int.init), count > 0 {
            for n in (0..<count).reversed() where environment["GIT_CONFIG_KEY_\(n)"]?.lowercased() == key.lowercased() {
                return environment["GIT_CONFIG_VALUE_\(n)"]
            }
        }
        return try git.configString(key)
    }

    /// The SSH key git would sign with: `user.signingKey` when `gpg.format`
    /// is `ssh` (nil otherwise), found and loaded once per command (see
    /// `SSHSigner.fromGitConfig`). Throws when the setting names a key that
    /// cannot be used.
    public func signer() throws -> SSHSigner? {
        if let cached = signerCache { return cached }
        var found: SSHSigner?
        if try gitConfig("gpg.format")?.lowercased() == "ssh" {
            do {
                found = try SSHSigner.fromGitConfig(
                    signingKey: gitConfig("user.signingKey"), program: gitConfig("gpg.ssh.program"), environment: environment)
            } catch {
                throw QuorumError.usage("cannot sign with the key git's user.signingKey names: \(error)",
                                        remedy: "set 'git config user.signingKey' to your SSH key (a path such as ~/.ssh/id_ed25519, or 'key::ssh-ed25519 AAAA…' with the key in ssh-agent)")
            }
        }
        signerCache = .some(found)
        return found
    }

    /// Signs commits and tags written as `actor` with the configured key,
    /// when `actor` is the person running the command; nil (unsigned)
    /// otherwise, and when no key is configured and the policy does not
    /// require signatures. Throws a refusal naming the git settings to set
    /// when the policy requires signatures and there is no key, or the key
    /// is not one the roster holds for `actor` now.
    func signing(as actor: Signature) throws -> ObjectSigner? {
        let me = try? identity()
        guard me?.email.lowercased() == actor.email.lowercased() else { return nil }
        let signer = try signer()
        let roster = try? self.roster()
        if roster?.requiresSignatures == true {
            guard let signer else {
                throw QuorumError.refused(
                    "this repository's policy requires every event to be signed, and git has no SSH signing key configured",
                    remedy: "run 'git config gpg.format ssh' and 'git config user.signingKey ~/.ssh/id_ed25519' (your key's path, or 'key::ssh-ed25519 AAAA…' with it in ssh-agent); a lead records its public key with 'quorum member key add \(actor.email) KEY'")
            }
            if let roster, !roster.holds(signer.publicKey, for: actor.email, since: actor.time) {
                if let owner = roster.keys.first(where: { $0.key == signer.publicKey }), owner.email.lowercased() != actor.email.lowercased() {
                    throw QuorumError.refused(
                        "your signing key \(signer.publicKey.fingerprint) is \(owner.email)'s on the roster, and you are \(actor.email)",
                        remedy: "point git's user.signingKey at your own key (see 'quorum member list --keys'), or check GIT_AUTHOR_EMAIL / user.email")
                }
                throw QuorumError.refused(
                    "your signing key \(signer.publicKey.fingerprint) is not one the roster holds for \(actor.email), so what you sign with it would not count",
                    remedy: "ask a lead to run 'quorum member key add \(actor.email) \"\(signer.publicKey.line)\"', or point user.signingKey at the key the roster holds (see 'quorum member list --keys')")
            }
        }
        guard let signer else { return nil }
        return { [weak self] payload in
            do {
                let armored = try signer.sign(payload, namespace: "git")
                if case .inProcess = signer.method { self?.lastOwnSignature = (armored, signer.publicKey) }
                return armored
            } catch let error as SSHSigner.Error {
                throw QuorumError.refused(
                    "could not sign with \(signer.publicKey.fingerprint): \(error.description)",
                    remedy: "for a key with a passphrase, add it to ssh-agent ('ssh-add KEYFILE') and set user.signingKey to 'key::\(signer.publicKey.line)' or its .pub file")
            }
        }
    }

    /// Notes a commit this process just signed with its own key, in
    /// process, as signed by that key in the signature checks
    /// (`SignatureStore`), so that the next command meeting it in this
    /// clone does not check it again. Only when `armored` is exactly the
    /// signature the key made (`lastOwnSignature`): a signature from
    /// ssh-keygen or the agent is checked as any other. `verify` with no
    /// caches (`rm -r .git/quorum`) checks every signature itself.
    func noteOwnSignature(_ id: ObjectID, armored: String) {
        guard let own = lastOwnSignature, own.armored == armored else { return }
        log.signatures.note(id, .valid(own.key))
    }
}
