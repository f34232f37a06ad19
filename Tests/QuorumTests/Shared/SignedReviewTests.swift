import Foundation
import XCTest

/// Signed review (`quorum policy --require-signatures`): every event and
/// commit is signed with its writer's SSH key as the roster holds it. A
/// forger with push access but without the others' keys gets no approval
/// counted, on a shared repository with hooks (refused) or without (kept,
/// counted for nothing, named by `verify`); and git's own
/// `verify-commit` / `verify-tag` agree with Quorum. Keys are made by
/// ssh-keygen at test time.
final class SignedReviewTests: SharedRepositoryTestCase {
    /// Each person's private key file, when they sign.
    private var keys: [Teammate: URL] = [:]
    private var keygen: String = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard let found = ["/usr/bin/ssh-keygen", "/bin/ssh-keygen"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("ssh-keygen is not installed (Debian: openssh-client; 'make deps' installs it)")
        }
        keygen = found
    }

    /// git's own settings for signing with `who`'s key, as each person sets
    /// them once (`gpg.format ssh`, `user.signingKey`), passed as git does
    /// for `-c` so that everyone can share one machine's HOME.
    override func environment(_ who: Teammate?) -> [String: String] {
        var env = super.environment(who)
        if let who, let key = keys[who] {
            env["GIT_CONFIG_COUNT"] = "2"
            env["GIT_CONFIG_KEY_0"] = "gpg.format"
            env["GIT_CONFIG_VALUE_0"] = "ssh"
            env["GIT_CONFIG_KEY_1"] = "user.signingKey"
            env["GIT_CONFIG_VALUE_1"] = key.path
        }
        return env
    }

    /// Makes a key pair with ssh-keygen: the private key's file.
    @discardableResult
    private func makeKey(_ name: String, type: String = "ed25519", bits: String? = nil) throws -> URL {
        let dir = root.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(name)
        let made = try start(keygen, ["-q", "-t", type] + (bits.map { ["-b", $0] } ?? []) + ["-N", "", "-C", name, "-f", file.path], as: nil, in: root).finish()
        XCTAssertEqual(made.status, 0, made.errors)
        return file
    }

    private func publicKey(_ file: URL) throws -> String {
        try String(contentsOf: URL(fileURLWithPath: file.path + ".pub"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func chain(_ id: String) -> String { "refs/quorum/proposals/\(slug)/suggestions/\(id)/meta" }

    /// The shared repository with hooks, everyone's keys on the roster
    /// (Ben ecdsa, Dee rsa, the others ed25519), signatures required.
    private func makeSignedReview() throws -> URL {
        keys[.ana] = try makeKey("ana")
        keys[.ben] = try makeKey("ben", type: "ecdsa", bits: "256")
        keys[.cai] = try makeKey("cai")
        keys[.dee] = try makeKey("dee", type: "rsa", bits: "3072")
        try gitOK(["init", "-q", "--bare", bare.path], in: root)
        try quorumOK(["hooks", "install", bare.path], in: root)
        let ana = clone("ana")
        try quorumOK(["init", ana.path], in: root)
        for member in [Teammate.ben, .cai, .dee] {
            try quorumOK(["member", "add", member.email, "--name", member.name, "--ssh-key-file", keys[member]!.path + ".pub"], in: ana)
        }
        try quorumOK(["policy", "--require-signatures"], in: ana)
        let sample = Self.packageRoot.appendingPathComponent("Proposals/career-steps/framework.md").path
        try quorumOK(["propose", slug, "--title", "Engineering Career Steps", "--file", "framework.md=\(sample)"], in: ana)
        try gitOK(["remote", "add", "origin", bare.path], in: ana)
        try quorumOK(["sync"], in: ana)
        return ana
    }

    /// An approval event of `revision` on top of `parent`, written with the
    /// git CLI as `who` says, signed with `key` (nil: unsigned), with the
    /// committer date `date` (git's format) when given.
    private func forgedApproval(of revision: String, on parent: String, as who: Teammate, signedWith key: URL?, date: String? = nil, in directory: URL) throws -> String {
        try forgedEvent("{\"revision\":\"\(revision)\",\"type\":\"approve\",\"v\":1}", summary: "Approve\n\nEvent: approve\nQuorum-Format: 1",
                        on: parent, as: who, signedWith: key, date: date, in: directory)
    }

    /// An event commit (`event.json` holding `json`) on `parent`, written
    /// with the git CLI as `who` says, signed with `key` (nil: unsigned),
    /// with the committer date `date` (git's format) when given.
    private func forgedEvent(_ json: String, summary: String, on parent: String, as who: Teammate, signedWith key: URL?, date: String? = nil, in directory: URL) throws -> String {
        let blob = try gitOK(["hash-object", "-w", "--stdin"], in: directory, stdin: Data((json + "\n").utf8))
        let tree = try gitOK(["mktree"], in: directory, stdin: Data("100644 blob \(blob)\tevent.json\n".utf8))
        return try forgedCommit(tree: tree, parents: [parent], message: summary, as: who, signedWith: key, date: date, in: directory)
    }

    /// A commit written with the git CLI as `who` says, signed with `key`.
    private func forgedCommit(tree: String, parents: [String], message: String, as who: Teammate, signedWith key: URL?, date: String? = nil, in directory: URL) throws -> String {
        var args = ["-c", "gpg.format=ssh"]
        if let key { args += ["-c", "user.signingKey=\(key.path)"] }
        args += ["commit-tree", tree] + parents.flatMap { ["-p", $0] } + ["-m", message]
        if key != nil { args.append("-S") }
        var env = environment(who)
        env["GIT_CONFIG_COUNT"] = nil
        if let date {
            env["GIT_COMMITTER_DATE"] = date
            env["GIT_AUTHOR_DATE"] = date
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = args
        process.environment = env
        process.currentDirectoryURL = directory
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A plain bare copy of the shared repository (no hooks), and `who`'s
    /// clone pointed at it.
    private func hooklessCopy(for directory: URL) throws -> URL {
        let plain = root.appendingPathComponent("plain.git")
        if !FileManager.default.fileExists(atPath: plain.path) {
            try gitOK(["clone", "-q", "--mirror", bare.path, plain.path], in: root)
        }
        try gitOK(["remote", "set-url", "origin", plain.path], in: directory)
        return plain
    }

    /// A commit with `source`'s gpgsig header grafted onto another message:
    /// a valid signature, copied from another event.
    private func copiedSignature(from source: String, approving revision: String, on parent: String, as who: Teammate, in directory: URL) throws -> String {
        let original = try gitOK(["cat-file", "commit", source], in: directory)
        let blob = try gitOK(["hash-object", "-w", "--stdin"], in: directory, stdin: Data("{\"revision\":\"\(revision)\",\"type\":\"approve\",\"v\":1}\n".utf8))
        let tree = try gitOK(["mktree"], in: directory, stdin: Data("100644 blob \(blob)\tevent.json\n".utf8))
        var lines = original.components(separatedBy: "\n")
        lines[0] = "tree \(tree)"
        lines[1] = "parent \(parent)"
        let text = lines.joined(separator: "\n") + "\n"
        return try gitOK(["hash-object", "-t", "commit", "-w", "--stdin"], in: directory, stdin: Data(text.utf8))
    }

    private func verifyCodes(_ directory: URL) throws -> [String] {
        let verified = try quorum(["verify", "--json", "--fresh"], in: directory)
        let object = try XCTUnwrap(verified.object, verified.text + verified.errors)
        return (object["violations"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }.sorted()
    }

    // MARK: The forger

    /// Ben, with push access but nobody else's key, approves his own
    /// suggestion as Cai and as Dee, four ways. With the hook: each push is
    /// refused naming the signature rule. Without it (a plain bare
    /// repository): the approvals arrive on every clone, count 0, the
    /// merge is refused, and `verify` names each forged event.
    func testForgedApprovalsCountForNothingWithOrWithoutHooks() throws {
        let ana = try makeSignedReview()
        let ben = try makeClone("ben", as: .ben)
        let cai = try makeClone("cai", as: .cai)
        // Cai approves something real, whose signature Ben will copy.
        let real = try suggestLine(5, "Real change.", as: .ana, in: ana)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["sync"], as: .cai, in: cai)
        try quorumOK(["approve", real["id"] as! String], as: .cai, in: cai)
        try quorumOK(["sync"], as: .cai, in: cai)
        let caiApproval = try gitOK(["rev-parse", chain(real["id"] as! String)], in: cai)

        // Dee's first key is revoked (stolen, say), and Ben has it.
        let deeOld = keys[.dee]!
        let deeNew = try makeKey("dee-new")
        sleep(2)  // so that a time between the key's adding and revoking exists
        try quorumOK(["member", "key", "add", Teammate.dee.email, deeNew.path + ".pub"], in: ana)
        try quorumOK(["member", "key", "revoke", Teammate.dee.email, deeOld.path + ".pub"], in: ana)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["sync"], as: .ben, in: ben)

        let suggestion = try suggestLine(13, "Ben's own change.", as: .ben, in: ben)
        let id = suggestion["id"] as! String
        let revision = suggestion["revisionCommit"] as! String
        try quorumOK(["sync"], as: .ben, in: ben)
        try gitOK(["fetch", "-q", "origin", "+\(chain(real["id"] as! String)):\(chain(real["id"] as! String))"], in: ben)
        let ref = chain(id)
        let head = try gitOK(["rev-parse", ref], in: ben)
        let early = "2001-01-01T00:00:00Z"
        // Each forgery, made on a given parent, and the rule that catches it.
        let attempts: [(what: String, code: String, make: (String) throws -> String)] = [
            ("unsigned, as Cai", "signature.missing", { try self.forgedApproval(of: revision, on: $0, as: .cai, signedWith: nil, in: ben) }),
            ("unsigned, as Cai, dated before the policy", "signature.missing", { try self.forgedApproval(of: revision, on: $0, as: .cai, signedWith: nil, date: early, in: ben) }),
            ("signed with Ben's own key, as Dee", "signature.not-theirs", { try self.forgedApproval(of: revision, on: $0, as: .dee, signedWith: self.keys[.ben], in: ben) }),
            ("signed with Dee's revoked key, as Dee", "signature.key-not-valid", { try self.forgedApproval(of: revision, on: $0, as: .dee, signedWith: deeOld, in: ben) }),
            ("signed with Dee's revoked key, dated before it was added", "signature.key-not-valid", { try self.forgedApproval(of: revision, on: $0, as: .dee, signedWith: deeOld, date: early, in: ben) }),
            ("Cai's valid signature copied from another event", "signature.invalid", { try self.copiedSignature(from: caiApproval, approving: revision, on: $0, as: .cai, in: ben) }),
        ]
        // With the hook: each is refused, and verify names it.
        for attempt in attempts {
            let forged = try attempt.make(head)
            try gitOK(["update-ref", ref, forged, head], in: ben)
            let before = try serverRefs()
            let pushed = try git(["push", "origin", "\(ref):\(ref)"], in: ben, as: .ben)
            XCTAssertNotEqual(pushed.status, 0, "\(attempt.what): the push went in")
            XCTAssertTrue(pushed.errors.contains("[\(attempt.code)]"), "\(attempt.what): \(pushed.errors)")
            XCTAssertEqual(try serverRefs(), before, attempt.what)
            XCTAssertEqual(try verifyCodes(ben), [attempt.code], attempt.what)
            try gitOK(["update-ref", ref, head, forged], in: ben)
        }
        // A revoked key is refused at the hook even when dated to when it
        // was valid (the hook knows it is revoked now).
        let revoked = Int(try gitOK(["log", "-1", "--format=%ct", "refs/quorum/roster"], in: ben))!
        let backdated = try forgedApproval(of: revision, on: head, as: .dee, signedWith: deeOld, date: "@\(revoked - 1) +0000", in: ben)
        try gitOK(["update-ref", ref, backdated, head], in: ben)
        try assertPushRefused(["\(ref):\(ref)"], from: ben, code: "signature.key-revoked")
        try gitOK(["update-ref", ref, head, backdated], in: ben)

        // Without hooks: a plain bare copy of the shared repository, and
        // all six forgeries, one after another, on Ben's chain there.
        let plain = root.appendingPathComponent("plain.git")
        try gitOK(["clone", "-q", "--mirror", bare.path, plain.path], in: root)
        var tip = head
        for attempt in attempts { tip = try attempt.make(tip) }
        try gitOK(["update-ref", ref, tip, head], in: ben)
        try gitOK(["push", "-q", plain.path, "\(ref):\(ref)"], in: ben, as: .ben)
        // Cai's clone, pointed at the hookless copy, takes them in: they
        // are kept (the union of logs still converges) and count 0.
        try gitOK(["remote", "set-url", "origin", plain.path], in: cai)
        try quorumOK(["sync"], as: .cai, in: cai)
        let shown = try quorumOK(["show", id, "--json"], as: .cai, in: cai).object
        let approvals = shown?["approvals"] as? [[String: Any]] ?? []
        XCTAssertEqual(approvals.filter { ($0["counts"] as? Bool) == true }.count, 0, "\(approvals)")
        XCTAssertTrue(try quorumOK(["show", id], as: .cai, in: cai).text.contains("signature does not verify"))
        XCTAssertEqual(try quorum(["merge", id], as: .ben, in: ben).status, 1)
        XCTAssertEqual(try quorum(["merge", id], as: .cai, in: cai).status, 1)
        let codes = try verifyCodes(cai)
        XCTAssertEqual(codes, ["signature.invalid", "signature.key-not-valid", "signature.key-not-valid", "signature.missing", "signature.missing", "signature.not-theirs"], "\(codes)")
        // Cai's own approval now: the forged one in her name on top of the
        // chain (the same record) is no earlier run of her command.
        let approved = try quorumOK(["approve", id], as: .cai, in: cai)
        XCTAssertFalse(approved.errors.contains("already records"), approved.errors)
        let after = try quorumOK(["show", id, "--json"], as: .cai, in: cai).object?["approvals"] as? [[String: Any]] ?? []
        XCTAssertEqual(after.filter { ($0["counts"] as? Bool) == true }.map { email($0["by"]) }, [Teammate.cai.email])
        // Nothing of Ben's got onto the round anywhere.
        for directory in [ana, cai] {
            let round = try gitOK(["rev-parse", roundBranch], in: directory)
            XCTAssertFalse(try gitOK(["log", "--format=%B", round], in: directory).contains("Ben's own change"))
        }
    }

    // MARK: git agrees

    /// After a whole signed review cycle (suggest, approve, merge, cut),
    /// `git verify-commit` says "Good" for every commit of the round and of
    /// every event chain and `git verify-tag` for the version, with the
    /// allowed-signers file Quorum writes; and a commit whose signed text
    /// was changed fails both git and Quorum.
    func testGitVerifiesEveryCommitQuorumWrote() throws {
        let ana = try makeSignedReview()
        let ben = try makeClone("ben", as: .ben)
        let cai = try makeClone("cai", as: .cai)
        let dee = try makeClone("dee", as: .dee)
        let suggestion = try suggestLine(5, "A signed change.", as: .ben, in: ben)
        let id = suggestion["id"] as! String
        try quorumOK(["sync"], as: .ben, in: ben)
        for (who, directory) in [(Teammate.cai, cai), (.dee, dee)] {
            try quorumOK(["sync"], as: who, in: directory)
            try quorumOK(["approve", id], as: who, in: directory)
            try quorumOK(["sync"], as: who, in: directory)
        }
        try quorumOK(["sync"], as: .ben, in: ben)
        try quorumOK(["merge", id], as: .ben, in: ben)
        try quorumOK(["sync"], as: .ben, in: ben)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["cut", slug, "v1"], in: ana)
        try quorumOK(["sync"], in: ana)
        let signers = root.appendingPathComponent("allowed_signers").path
        try quorumOK(["allowed-signers", "-o", signers], in: ana)
        let listed = try gitOK(["rev-list", roundBranch, "--all"], in: ana).split(separator: "\n")
        var checked = 0
        for commit in Set(listed) {
            let message = try gitOK(["log", "-1", "--format=%B", String(commit)], in: ana)
            if message.contains("Quorum-Sync: union") { continue }  // sync's reconciling merge: unsigned by design
            let verified = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", String(commit)], in: ana)
            XCTAssertEqual(verified.status, 0, "\(commit) \(message): \(verified.errors)")
            XCTAssertTrue(verified.errors.contains("Good \"git\" signature"), verified.errors)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 12)
        let tag = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-tag", "rfc/\(slug)/v1"], in: ana)
        XCTAssertEqual(tag.status, 0, tag.errors)
        XCTAssertTrue(tag.errors.contains("Good \"git\" signature for ana@example.com"), tag.errors)
        XCTAssertEqual(try verifyCodes(ana), [])

        // Tampered: Dee's approval with one word of its message changed,
        // its signature kept.
        let head = try gitOK(["rev-parse", chain(id)], in: ana)
        let approval = try gitOK(["log", "--format=%H %ae %s", chain(id)], in: ana).split(separator: "\n")
            .first { $0.contains("dee@example.com") && $0.contains("Approve") }.map { String($0.prefix(40)) }
        let original = try gitOK(["cat-file", "commit", try XCTUnwrap(approval)], in: ana)
        let tampered = try gitOK(["hash-object", "-t", "commit", "-w", "--stdin"], in: ana,
                                 stdin: Data((original.replacingOccurrences(of: "Approve", with: "Approves") + "\n").utf8))
        let byGit = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", tampered], in: ana)
        XCTAssertNotEqual(byGit.status, 0, byGit.errors)
        _ = head
    }

    // MARK: The signature checks kept

    /// Each check is kept in the file named by its commit id's first two
    /// hex digits, and a later command reads it there instead of checking
    /// again: a check planted as "does not verify" is what `show` reports.
    func testSignatureChecksAreKeptByFirstByteAndReadBack() throws {
        let ana = try makeSignedReview()
        let id = try XCTUnwrap(try suggestLine(5, "Checked once.", as: .ana, in: ana)["id"] as? String)
        try quorumOK(["show", id], in: ana)
        let directory = ana.appendingPathComponent(".git/quorum/signature-checks")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertFalse(names.isEmpty)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ana.appendingPathComponent(".git/quorum/signatures").path))
        for name in names {
            XCTAssertTrue(name.utf8.count == 2 && name.allSatisfy(\.isHexDigit), name)
            let lines = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.first, "quorum-signatures 1", name)
            for line in lines.dropFirst() where !line.hasPrefix("K ") {
                XCTAssertTrue(line.hasPrefix(name), "\(line) is in file \(name)")
            }
        }
        let shard = directory.appendingPathComponent(String(id.prefix(2)))
        let text = try String(contentsOf: shard, encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix(id + " ") }, text)
        try Data(text.replacingOccurrences(of: String(line), with: id + " !").utf8).write(to: shard)
        let shown = try quorum(["show", id], in: ana)
        XCTAssertTrue(shown.text.contains("signature does not verify"), shown.text)
    }

    /// A command notes the signatures its own key made in process in the
    /// signature checks, so that the next command in the clone does not
    /// check them again: right after Ana's suggest its commits are there
    /// as signed by her key; git agrees they verify; a check from scratch
    /// (no caches) finds the same. Dee's RSA key signs through ssh-keygen,
    /// whose signatures are checked as anyone's: none is noted.
    func testACommandNotesOnlyTheSignaturesItsKeyMadeInProcess() throws {
        let ana = try makeSignedReview()
        let dee = try makeClone("dee", as: .dee)
        let checks = ana.appendingPathComponent(".git/quorum/signature-checks")
        func noted(_ commit: String, in clone: URL) throws -> String? {
            let shard = clone.appendingPathComponent(".git/quorum/signature-checks/\(commit.prefix(2))")
            guard let text = try? String(contentsOf: shard, encoding: .utf8) else { return nil }
            return text.split(separator: "\n").first { $0.hasPrefix(commit + " ") }.map { String($0.dropFirst(41)) }
        }
        func fingerprint(_ key: URL) throws -> String {
            let listed = try start(keygen, ["-lf", key.path + ".pub"], as: nil, in: root).finish()
            return try XCTUnwrap(listed.text.split(separator: " ").dropFirst().first.map(String.init), listed.text)
        }

        try FileManager.default.removeItem(at: checks)
        let id = try XCTUnwrap(try suggestLine(5, "Noted as made.", as: .ana, in: ana)["id"] as? String)
        let commits = try gitOK(["rev-list", chain(id)], in: ana).split(separator: "\n").map(String.init)
        XCTAssertFalse(commits.isEmpty)
        for commit in commits {
            XCTAssertEqual(try noted(commit, in: ana), try fingerprint(keys[.ana]!), commit)
        }
        let signers = root.appendingPathComponent("allowed_signers").path
        try quorumOK(["allowed-signers", "-o", signers], in: ana)
        for commit in commits {
            let verified = try git(["-c", "gpg.ssh.allowedSignersFile=\(signers)", "verify-commit", commit], in: ana)
            XCTAssertEqual(verified.status, 0, verified.errors)
        }
        try FileManager.default.removeItem(at: ana.appendingPathComponent(".git/quorum"))
        XCTAssertEqual(try verifyCodes(ana), [])
        for commit in commits {
            XCTAssertEqual(try noted(commit, in: ana), try fingerprint(keys[.ana]!), commit)
        }

        let deeID = try XCTUnwrap(try suggestLine(9, "Signed by ssh-keygen.", as: .dee, in: dee)["id"] as? String)
        XCTAssertNil(try noted(deeID, in: dee))
    }

    // MARK: Rotation

    /// Cai's approval signed with her first key still counts after she
    /// rotates to a new one; an approval signed with the old key after its
    /// revocation does not.
    func testRotatedKeysKeepHistoryValidAndStopCountingAfter() throws {
        let ana = try makeSignedReview()
        let first = try suggestLine(5, "Before rotation.", as: .ana, in: ana)
        let firstID = first["id"] as! String
        try quorumOK(["approve", firstID], as: .cai, in: ana)
        let oldKey = keys[.cai]!
        let newKey = try makeKey("cai-new")
        sleep(1)  // the revocation is later than the approval, to the second
        try quorumOK(["member", "key", "add", Teammate.cai.email, newKey.path + ".pub"], in: ana)
        try quorumOK(["member", "key", "revoke", Teammate.cai.email, oldKey.path + ".pub"], in: ana)
        // Still counted: signed while the key was valid.
        let shown = try quorumOK(["show", firstID, "--json"], in: ana).object
        XCTAssertEqual((shown?["approvals"] as? [[String: Any]])?.filter { ($0["counts"] as? Bool) == true }.count, 1)
        // The old key no longer writes: the command says so.
        let refused = try quorum(["approve", try suggestLine(13, "After rotation.", as: .ana, in: ana)["id"] as! String], as: .cai, in: ana)
        XCTAssertEqual(refused.status, 1, refused.errors)
        XCTAssertTrue(refused.errors.contains("user.signingKey"), refused.errors)
        // With the new key configured, it does.
        keys[.cai] = newKey
        let second = try suggestLine(32, "With the new key.", as: .ana, in: ana)
        try quorumOK(["approve", second["id"] as! String], as: .cai, in: ana)
        // An approval made with the old key after the revocation, with
        // plain git, does not count.
        let ref = chain(second["id"] as! String)
        let head = try gitOK(["rev-parse", ref], in: ana)
        let stale = try forgedApproval(of: second["revisionCommit"] as! String, on: head, as: .ben, signedWith: keys[.ben], in: ana)
        _ = stale
        let late = try forgedApproval(of: second["revisionCommit"] as! String, on: head, as: .cai, signedWith: oldKey, in: ana)
        try gitOK(["update-ref", ref, late, head], in: ana)
        XCTAssertEqual(try verifyCodes(ana), ["signature.key-not-valid"])
    }

    // MARK: History from before the policy

    /// A review whose history predates the policy: its unsigned events stay
    /// valid on every clone after the policy is turned on, `verify` says how
    /// many, and what comes after must be signed.
    func testPolicyAppliesFromItsEventOn() throws {
        let ana = try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let suggestion = try suggestLine(5, "Unsigned, before the policy.", as: .ben, in: ben)
        try quorumOK(["sync"], as: .ben, in: ben)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["approve", suggestion["id"] as! String], as: .cai, in: ana)
        keys[.ana] = try makeKey("ana")
        keys[.ben] = try makeKey("ben")
        try quorumOK(["member", "key", "add", Teammate.ana.email, keys[.ana]!.path + ".pub"], in: ana)
        try quorumOK(["member", "key", "add", Teammate.ben.email, keys[.ben]!.path + ".pub"], in: ana)
        try quorumOK(["policy", "--require-signatures"], in: ana)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["sync"], as: .ben, in: ben)
        let verified = try quorumOK(["verify", "--fresh"], as: .ben, in: ben).text
        XCTAssertTrue(verified.contains("unsigned from before the policy"), verified)
        XCTAssertEqual(try verifyCodes(ben), [])
        let shown = try quorumOK(["show", suggestion["id"] as! String, "--json"], as: .ben, in: ben).object
        XCTAssertEqual((shown?["approvals"] as? [[String: Any]])?.filter { ($0["counts"] as? Bool) == true }.count, 1)
        // Cai has no key: after the policy, nothing of hers is taken.
        let cai = try makeClone("cai", as: .cai)
        let refused = try quorum(["comment", suggestion["id"] as! String, "-m", "Unsigned, after the policy."], as: .cai, in: cai)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.errors.contains("gpg.format ssh") && refused.errors.contains("user.signingKey"), refused.errors)
    }

    /// A lead whose clone is behind turns the policy on: the shared
    /// repository refuses the policy event (it would leave Ben's unsigned
    /// suggestion, which the lead had not fetched, uncovered); taken back,
    /// synced and made again, it goes in and Ben's events stay valid.
    func testAPolicyEventMustCoverWhatTheSharedRepositoryHolds() throws {
        let ana = try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let suggestion = try suggestLine(5, "Pushed before the policy.", as: .ben, in: ben)
        try quorumOK(["sync"], as: .ben, in: ben)
        keys[.ana] = try makeKey("ana")
        try quorumOK(["member", "key", "add", Teammate.ana.email, keys[.ana]!.path + ".pub"], in: ana)
        try quorumOK(["policy", "--require-signatures"], in: ana)
        let roster = "refs/quorum/roster"
        try assertPushRefused(["\(roster):\(roster)"], from: ana, code: "roster.policy")
        // The remedy the refusal gives.
        try gitOK(["update-ref", roster, try gitOK(["rev-parse", "\(roster)~1"], in: ana)], in: ana)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["policy", "--require-signatures"], in: ana)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["sync"], as: .ben, in: ben)
        XCTAssertEqual(try verifyCodes(ben), [])
        XCTAssertTrue(try quorumOK(["member", "list"], as: .ben, in: ben).text.contains("Signatures: required"))
        XCTAssertEqual(try quorumOK(["show", suggestion["id"] as! String, "--json"], as: .ben, in: ben).object?["state"] as? String, "open")
    }

    // MARK: Forgeries the first red team found

    /// Ben writes "Ana makes Ben a lead" on a side branch of the roster,
    /// dated a second before the policy event, and lets sync join the two
    /// histories (chain order then puts his event first). Still after the
    /// policy: it is not in the history the policy event was written on,
    /// so it must be signed. Sync will not push it, the hook refuses it,
    /// and a clone fed it by a repository without hooks does not take Ben
    /// for a lead.
    func testRosterEventsOnASideBranchDatedBeforeThePolicyCountForNothing() throws {
        _ = try makeSignedReview()
        let ben = try makeClone("ben", as: .ben)
        let cai = try makeClone("cai", as: .cai)
        let roster = "refs/quorum/roster"
        let policy = try gitOK(["log", "--format=%H", "--grep=^Event: policy", "-1", roster], in: ben)
        let before = Int(try gitOK(["log", "-1", "--format=%ct", policy], in: ben))! - 1
        let lead = #"{"member":{"email":"ben@example.com","groups":["working-group"],"lead":true,"name":"Ben Okafor"},"type":"member","v":1}"#
        let forged = try forgedEvent(lead, summary: "Update member\n\nEvent: member\nQuorum-Format: 1", on: policy + "^", as: .ana,
                                     signedWith: nil, date: "@\(before) +0000", in: ben)
        try gitOK(["update-ref", roster, forged], in: ben)
        let synced = try quorum(["sync"], as: .ben, in: ben)
        XCTAssertEqual(synced.status, 1, synced.errors)
        XCTAssertTrue(synced.errors.contains("[signature.missing]"), synced.errors)
        XCTAssertFalse(try quorumOK(["member", "list"], as: .ben, in: ben).text.contains("ben@example.com     Ben Okafor            working-group  (lead)"))
        try assertPushRefused(["\(roster):\(roster)"], from: ben, code: "signature.missing")
        // Without hooks.
        let plain = try hooklessCopy(for: cai)
        try gitOK(["push", "-q", plain.path, "\(roster):\(roster)"], in: ben, as: .ben)
        try quorumOK(["sync"], as: .cai, in: cai)
        let members = try quorumOK(["member", "list", "--json"], as: .cai, in: cai).object?["members"] as? [[String: Any]] ?? []
        XCTAssertEqual(members.first { $0["email"] as? String == "ben@example.com" }?["lead"] as? Bool, false)
        XCTAssertEqual(try verifyCodes(cai), ["signature.missing"])
        // Ben, acting the lead on that, is refused even in his own clone.
        XCTAssertEqual(try quorum(["member", "key", "add", Teammate.dee.email, keys[.ben]!.path + ".pub"], as: .ben, in: ben).status, 1)
    }

    /// With plain git, Ben puts his own suggestion on the round (a merge
    /// commit he signs, naming approvers who never approved) and tags it
    /// as a version "by Ana", on a shared repository without hooks. A clone
    /// that syncs from it does not take either: its round and versions stay
    /// as they were, and sync says why. A pair edit naming a partner, the
    /// one way round 1 takes a direct commit, is refused under the policy.
    func testForgedRoundCommitsAndTagsNeverReachAClonesRoundWithoutHooks() throws {
        _ = try makeSignedReview()
        let ben = try makeClone("ben", as: .ben)
        let cai = try makeClone("cai", as: .cai)
        let suggestion = try suggestLine(13, "Ben's own change.", as: .ben, in: ben)
        try quorumOK(["sync"], as: .ben, in: ben)
        let head = try gitOK(["rev-parse", roundBranch], in: ben)
        let revision = suggestion["revisionCommit"] as! String
        let merge = try forgedCommit(
            tree: try gitOK(["rev-parse", "\(revision)^{tree}"], in: ben), parents: [head, revision],
            message: "Merge suggestion\n\nSuggestion: \(suggestion["id"] as! String)\nApproved-by: Cai Wong <cai@example.com>\nApproved-by: Dee Park <dee@example.com>",
            as: .ben, signedWith: keys[.ben], in: ben)
        let plain = try hooklessCopy(for: cai)
        try gitOK(["push", "-q", plain.path, "\(merge):\(roundBranch)"], in: ben, as: .ben)
        var env = environment(.ana)
        env["GIT_CONFIG_COUNT"] = nil
        let tag = Process()
        tag.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        tag.arguments = ["-C", ben.path, "tag", "-a", "rfc/\(slug)/v9", merge, "-m", "Official"]
        tag.environment = env
        try tag.run()
        tag.waitUntilExit()
        try gitOK(["push", "-q", plain.path, "refs/tags/rfc/\(slug)/v9:refs/tags/rfc/\(slug)/v9"], in: ben, as: .ben)
        let before = try gitOK(["rev-parse", roundBranch], in: cai)
        let synced = try quorum(["sync"], as: .cai, in: cai)
        XCTAssertEqual(synced.status, 1, synced.errors)
        XCTAssertTrue(synced.errors.contains("not taken"), synced.errors)
        XCTAssertEqual(try gitOK(["rev-parse", roundBranch], in: cai), before)
        XCTAssertNotEqual(try git(["rev-parse", "--verify", "-q", "refs/tags/rfc/\(slug)/v9"], in: cai).status, 0)
        XCTAssertFalse(try quorumOK(["cat", slug], as: .cai, in: cai).text.contains("Ben's own change."))
        XCTAssertEqual(try verifyCodes(cai), [])
        // A pair edit is one person's word under signed review.
        let text = root.appendingPathComponent("pair.md")
        try Data(framework(replacing: 5, with: "Paired.").utf8).write(to: text)
        let edit = try quorum(["edit", slug, "-m", "Paired", "--pair", Teammate.cai.email, "--file", "framework.md=\(text.path)"], as: .ben, in: ben)
        XCTAssertEqual(edit.status, 1, edit.errors)
        XCTAssertTrue(edit.errors.contains("[pair-edit.unprovable]"), edit.errors)
    }

    /// Sync's check of the shared rounds judges a merge as `verify` does,
    /// by what its maker saw: an objection written afterwards from a clone
    /// that had not seen the merge (kept, counting for nothing) does not
    /// stop a new clone from taking the round. And a lead-signed version
    /// tag pushed under another version's name is not taken.
    func testSyncTakesHonestRoundsAndNotTagsUnderAnotherName() throws {
        let ana = try makeSignedReview()
        let ben = try makeClone("ben", as: .ben)
        let cai = try makeClone("cai", as: .cai)
        let suggestion = try suggestLine(5, "Merged, then objected to.", as: .cai, in: cai)
        let id = suggestion["id"] as! String
        try quorumOK(["sync"], as: .cai, in: cai)
        try quorumOK(["sync"], as: .ben, in: ben)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["approve", id], in: ana)
        try quorumOK(["sync"], in: ana)
        try quorumOK(["sync"], as: .cai, in: cai)
        try quorumOK(["approve", id], as: .dee, in: try makeClone("dee", as: .dee))
        try quorumOK(["sync"], as: .dee, in: clone("dee"))
        try quorumOK(["sync"], as: .cai, in: cai)
        try quorumOK(["merge", id], as: .cai, in: cai)
        try quorumOK(["sync"], as: .cai, in: cai)
        // Ben had not synced since the suggestion: his objection is made on
        // the state before the merge, and the shared repository keeps it.
        try quorumOK(["object", id, "-m", "Too late, but honest."], as: .ben, in: ben)
        try quorumOK(["sync"], as: .ben, in: ben)
        let fresh = try makeClone("fresh", as: .ana)
        XCTAssertEqual(try gitOK(["rev-parse", roundBranch], in: fresh), try gitOK(["rev-parse", roundBranch], in: cai))
        XCTAssertEqual(try verifyCodes(fresh), [])
        // v1 cut and signed by Ana, pushed again as v9 with plain git.
        try quorumOK(["sync"], in: ana)
        try quorumOK(["cut", slug, "v1"], in: ana)
        try quorumOK(["sync"], in: ana)
        let v1 = try gitOK(["rev-parse", "refs/tags/rfc/\(slug)/v1"], in: ana)
        try assertPushRefused(["\(v1):refs/tags/rfc/\(slug)/v9"], from: ana, code: "tag.shape")
    }

    /// Ben suggests offline, unsigned, before he learns that the policy is
    /// on: the shared repository refuses his chain, and his own clone
    /// shows why the suggestion never merges.
    func testASuggestionMadeUnsignedAfterThePolicySaysItNeverMerges() throws {
        let ana = try makeSharedReview()
        let ben = try makeClone("ben", as: .ben)
        let offline = try suggestLine(13, "Offline, unsigned.", as: .ben, in: ben)
        keys[.ana] = try makeKey("ana")
        try quorumOK(["member", "key", "add", Teammate.ana.email, keys[.ana]!.path + ".pub"], in: ana)
        try quorumOK(["policy", "--require-signatures"], in: ana)
        try quorumOK(["sync"], in: ana)
        let synced = try quorum(["sync"], as: .ben, in: ben)
        XCTAssertEqual(synced.status, 1, synced.errors)
        XCTAssertTrue(synced.errors.contains("[signature.missing]"), synced.errors)
        let shown = try quorumOK(["show", offline["id"] as! String], as: .ben, in: ben).text
        XCTAssertTrue(shown.contains("Never merges: [signature.missing]"), shown)
        XCTAssertEqual(try quorumOK(["show", offline["id"] as! String, "--json"], as: .ben, in: ben).object?["state"] as? String, "open")
    }
}
