import CLibGit2
import Foundation

/// Signs an object's bytes: takes the payload git signs and returns the
/// armored signature (for SSH, `-----BEGIN SSH SIGNATURE-----` … END line).
public typealias ObjectSigner = (Data) throws -> String

/// What a signed commit or tag holds: the armored signature and the exact
/// bytes it signs (the object without its signature), as git itself splits
/// them for `git verify-commit` and `git verify-tag`.
public struct ObjectSignature: Sendable, Equatable {
    public let signature: String
    public let payload: Data
}

extension Repository {
    /// Writes a commit signed as `git commit -S` does: the commit's text is
    /// signed, and the signature goes in its `gpgsig` header (each line after
    /// the first indented by one space). Returns the commit's id.
    func createSignedCommit(
        tree: OpaquePointer?, parents: UnsafeMutablePointer<OpaquePointer?>?, parentCount: Int,
        author: UnsafePointer<git_signature>?, committer: UnsafePointer<git_signature>?, message: String, sign: ObjectSigner
    ) throws -> ObjectID {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        // libgit2 checks here that the tree and parents exist, once, as
        // `git commit-tree` does (git_commit_create_with_signature would
        // read each of them again).
        try check("git_commit_create_buffer", git_commit_create_buffer(
            &buffer, handle, author, committer, "UTF-8", message, tree, parentCount, parents))
        let payload = Data(bytes: buffer.ptr, count: buffer.size)
        let armored = try sign(payload)
        guard let signed = Self.addingHeader("gpgsig", armored, to: payload) else {
            throw GitError(function: "git_commit_create_buffer", code: -1, errorClass: 0, message: "a commit without the blank line that ends its header")
        }
        let id = try writeObject(signed, type: GIT_OBJECT_COMMIT)
        signedCommitCreated?(id, armored)
        return id
    }

    /// `object` (a commit's text) with a header field added as the last of
    /// its headers, as git writes `gpgsig`: `name`, a space and the value,
    /// each line after its first indented by one space (git's continuation
    /// lines); a trailing newline of the value is dropped (git writes no
    /// line holding only a space). Nil when `object` has no blank line
    /// ending its headers.
    static func addingHeader(_ name: String, _ value: String, to object: Data) -> Data? {
        let bytes = [UInt8](object)
        var end: Int?
        for index in bytes.indices.dropLast() where bytes[index] == 0x0A && bytes[index + 1] == 0x0A {
            end = index + 1
            break
        }
        guard let end else { return nil }
        var lines = Array(value.utf8)
        while lines.last == 0x0A { lines.removeLast() }
        var header = Array(name.utf8) + [0x20]
        header.reserveCapacity(header.count + lines.count + lines.count / 32 + 1)
        for byte in lines {
            header.append(byte)
            if byte == 0x0A { header.append(0x20) }
        }
        header.append(0x0A)
        return Data(bytes[..<end] + header + bytes[end...])
    }

    /// The signature in a commit's `gpgsig` header and what it signs; nil
    /// when the commit is unsigned.
    public func commitSignature(_ id: ObjectID) throws -> ObjectSignature? {
        var raw = id.raw
        var signature = git_buf()
        var signed = git_buf()
        defer {
            git_buf_dispose(&signature)
            git_buf_dispose(&signed)
        }
        let result = git_commit_extract_signature(&signature, &signed, handle, &raw, "gpgsig")
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check("git_commit_extract_signature", result)
        return ObjectSignature(
            signature: String(decoding: Data(bytes: signature.ptr, count: signature.size), as: UTF8.self),
            payload: Data(bytes: signed.ptr, count: signed.size))
    }

    /// Creates an annotated tag `name` signed as `git tag -s` does: the tag
    /// object's text is signed and the signature appended to its message.
    /// Never moves an existing tag: throws a `GitError` whose `isExists` is
    /// true when the name is taken.
    func createSignedTag(_ name: String, target: OpaquePointer?, tagger: UnsafePointer<git_signature>?, message: String, sign: ObjectSigner) throws -> ObjectID {
        var unsigned = git_oid()
        let text = message.hasSuffix("\n") ? message : message + "\n"
        try check("git_tag_annotation_create", git_tag_annotation_create(&unsigned, handle, name, target, tagger, text))
        let payload = try rawObject(ObjectID(unsigned))
        let signed = payload + Data(utf8: try sign(payload))
        var oid = try writeObject(signed, type: GIT_OBJECT_TAG).raw
        var ref: OpaquePointer?
        try check("git_reference_create", try writingPastStaleLocks(lockFiles(for: "refs/tags/" + name)) { git_reference_create(&ref, handle, "refs/tags/" + name, &oid, 0, "quorum: tag") })
        git_reference_free(ref)
        return ObjectID(oid)
    }

    /// The signature appended to an annotated tag's message and what it
    /// signs (the tag object up to it); nil when the tag is unsigned.
    public func tagSignature(_ id: ObjectID) throws -> ObjectSignature? {
        let data = try rawObject(id)
        guard let range = Self.signatureRange(in: data) else { return nil }
        return ObjectSignature(signature: String(decoding: data[range.lowerBound...], as: UTF8.self), payload: Data(data[..<range.lowerBound]))
    }

    /// Where a signature appended to a tag's message begins: the last line
    /// that opens an armored signature, as git finds it.
    static func signatureRange(in data: Data) -> Range<Data.Index>? {
        let markers = ["-----BEGIN SSH SIGNATURE-----", "-----BEGIN PGP SIGNATURE-----", "-----BEGIN SIGNED MESSAGE-----"]
        var best: Data.Index?
        for marker in markers {
            var from = data.startIndex
            while let found = data.range(of: Data(utf8: marker), in: from..<data.endIndex) {
                if found.lowerBound == data.startIndex || data[found.lowerBound - 1] == UInt8(ascii: "\n") {
                    best = max(best ?? found.lowerBound, found.lowerBound)
                }
                from = found.upperBound
            }
        }
        return best.map { $0..<data.endIndex }
    }

    /// An object's bytes as stored (without git's `type size\0` header).
    public func rawObject(_ id: ObjectID) throws -> Data {
        var odb: OpaquePointer?
        try check("git_repository_odb", git_repository_odb(&odb, handle))
        defer { git_odb_free(odb) }
        var raw = id.raw
        var object: OpaquePointer?
        try check("git_odb_read", git_odb_read(&object, odb, &raw))
        defer { git_odb_object_free(object) }
        return Data(bytes: git_odb_object_data(object), count: git_odb_object_size(object))
    }
}
