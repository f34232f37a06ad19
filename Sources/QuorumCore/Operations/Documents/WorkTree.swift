import Foundation
import QuorumGit

extension ReviewRepository {
    /// The documents changed in the work tree under `Proposals/<slug>/`, and
    /// the commit of the open round they were edited from (found through the
    /// index), so that a three-way merge keeps what was merged since.
    /// Refused when the work tree was not checked out from the round.
    /// The newest commit on a round's first-parent history whose tree is `tree`.
    private func roundCommit(with tree: ObjectID, from head: ObjectID) throws -> ObjectID? {
        var cursor: ObjectID? = head
        var steps = 0
        while let id = cursor, steps < 100_000 {
            let commit = try git.commit(id)
            if commit.tree == tree { return id }
            cursor = commit.parents.first
            steps += 1
        }
        return nil
    }

    func workTreeChanges(slug: String, command: String) throws -> (base: ObjectID, inputs: [DocumentInput]) {
        guard let workTree = git.workDirectory else {
            throw QuorumError.usage("this repository has no work tree", remedy: "give the text with --file DOC=PATH")
        }
        let proposal = try proposal(slug)
        guard let round = proposal.openRound else { throw QuorumError.refused("proposal '\(slug)' has no open round", remedy: "see 'quorum rounds \(slug)'") }
        let roundHead = try roundHead(round)
        // The index tells which text the work tree was checked out from
        // (HEAD may have moved on underneath it, as a round branch does when
        // someone merges); find that commit in the round's history.
        guard let checkedOut = try git.indexTree(), let base = try roundCommit(with: checkedOut, from: roundHead) else {
            throw QuorumError.usage(
                "the work tree was not checked out from round \(round.number) of '\(slug)', so Quorum cannot tell what you changed",
                remedy: "run 'git checkout quorum/\(slug)/\(round.number)' (or 'git reset --hard' on it to refresh), edit the documents, then run 'quorum \(command)' again; or give --file DOC=PATH")
        }
        let folder = workTree + "Proposals/\(slug)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw QuorumError.usage(
                "there is no folder Proposals/\(slug) in the work tree \(workTree)",
                remedy: "check out the round with 'git checkout quorum/\(slug)/\(round.number)', edit the documents, then run 'quorum \(command)' again; or give --file DOC=PATH")
        }
        let baseDocs = try documents(in: git.commit(base).tree, slug: slug)
        var inputs: [DocumentInput] = []
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let relative = enumerator?.nextObject() as? String {
            let path = folder + "/" + relative
            var dir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &dir), !dir.boolValue,
                  !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                  let data = FileManager.default.contents(atPath: path) else { continue }
            if let blob = baseDocs[relative], try git.readBlob(blob) == data { continue }
            inputs.append(DocumentInput(name: relative, text: data, source: "Proposals/\(slug)/\(relative)"))
        }
        guard !inputs.isEmpty else {
            throw QuorumError.refused("nothing changed under Proposals/\(slug)/ since \(base.short)", remedy: "edit the documents there first, or give --file DOC=PATH")
        }
        return (base, inputs.sorted { ($0.name ?? "") < ($1.name ?? "") })
    }
}
