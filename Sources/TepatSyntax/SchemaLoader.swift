import TepatModel

/// Reads a schema file (docs/policy-language.md §1) into the `Schema` model.
public enum SchemaLoader {
    static let entityKeys = ["file", "file_required", "key", "age_from", "links", "collections", "fields", "description"]
    static let fieldKeys = ["type", "length", "min", "max", "values", "optional", "column", "source", "description"]
    static let types = ["string", "digits", "integer", "money", "boolean", "date", "month", "enum"]

    public static func load(_ source: SourceFile) -> (Schema?, [Diagnostic]) {
        let (root, yamlDiagnostics) = YAMLLoader.load(source)
        var diagnostics = yamlDiagnostics
        guard let root, let top = MappingReader(root, context: "the schema", allowed: ["schema", "description", "entities"], diagnostics: &diagnostics)
        else { return (nil, diagnostics) }
        let name = top["schema"].flatMap { ScalarRead.string($0, "`schema`", &diagnostics) }?.value ?? "schema"
        guard let entitiesNode = top["entities"], let entityPairs = entitiesNode.mapping else {
            top.missing("entities", &diagnostics)
            return (nil, diagnostics)
        }
        let entityNames = entityPairs.compactMap { $0.key.scalar }
        var entities: [Entity] = []
        // `broken`: fields whose declaration was reported as wrong (see below).
        var pending: [(links: YAMLNode?, collections: YAMLNode?, broken: Set<Int>)] = []
        for (key, node) in entityPairs {
            guard let entityName = key.scalar, !entityName.hasPrefix(YAMLLoader.duplicateMarker),
                let map = MappingReader(node, context: "entity `\(key.scalar ?? "")`", allowed: entityKeys, diagnostics: &diagnostics)
            else { continue }
            var fields: [Field] = []
            // A field whose declaration is wrong (an unknown type, say) is kept as a placeholder,
            // so that `key`, `age_from` and links naming it report nothing more.
            var broken: Set<Int> = []
            if let fieldsNode = map["fields"], let pairs = fieldsNode.mapping {
                for (fieldKey, fieldNode) in pairs {
                    guard let fieldName = fieldKey.scalar, !fieldName.hasPrefix(YAMLLoader.duplicateMarker) else { continue }
                    if let field = field(fieldName, fieldKey.range, fieldNode, &diagnostics) {
                        fields.append(field)
                    } else {
                        broken.insert(fields.count)
                        fields.append(Field(name: fieldName, type: .string, optional: true, range: fieldKey.range))
                    }
                }
            } else {
                map.missing("fields", &diagnostics)
            }
            var keyIndex = 0
            if let keyNode = map["key"], let keyName = ScalarRead.string(keyNode, "`key`", &diagnostics) {
                if let index = fields.firstIndex(where: { $0.name == keyName.value }) {
                    keyIndex = index
                } else {
                    diagnostics.append(unknownField(keyName, fields))
                }
            } else {
                map.missing("key", &diagnostics)
            }
            var birth: Int?
            if let n = map["age_from"], let ageField = ScalarRead.string(n, "`age_from`", &diagnostics) {
                birth = fields.firstIndex { $0.name == ageField.value }
                if let b = birth, fields[b].type != .date, !broken.contains(b) {
                    diagnostics.append(.error("schema.type", "`age_from` must name a date field; `\(ageField.value)` is \(fields[b].type)", at: ageField.range))
                } else if birth == nil {
                    diagnostics.append(unknownField(ageField, fields))
                }
            }
            let file = map["file"].flatMap { ScalarRead.string($0, "`file`", &diagnostics) }?.value ?? entityName
            let required = map["file_required"].flatMap { ScalarRead.boolean($0, "`file_required`", &diagnostics) }?.value ?? true
            entities.append(Entity(name: entityName, file: file, fileRequired: required, fields: fields, key: keyIndex, birthDate: birth, range: key.range))
            pending.append((map["links"], map["collections"], broken))
        }
        // Links and collections name other entities, so they are resolved once all entities are known.
        for (index, refs) in pending.enumerated() {
            if let linksNode = refs.links, let pairs = linksNode.mapping {
                for (key, node) in pairs {
                    guard let linkName = key.scalar,
                        let map = MappingReader(node, context: "link `\(linkName)`", allowed: ["entity", "via", "required"], diagnostics: &diagnostics)
                    else { continue }
                    guard let target = map["entity"].flatMap({ ScalarRead.string($0, "`entity`", &diagnostics) }),
                        let via = map["via"].flatMap({ ScalarRead.string($0, "`via`", &diagnostics) })
                    else {
                        if !map.has("entity") { map.missing("entity", &diagnostics) }
                        if !map.has("via") { map.missing("via", &diagnostics) }
                        continue
                    }
                    guard let targetIndex = entities.firstIndex(where: { $0.name == target.value }) else {
                        diagnostics.append(.error("schema.unknown-entity", "unknown entity `\(target.value)`", at: target.range, help: Suggestion.closest(to: target.value, in: entityNames).map { "did you mean `\($0)`?" }))
                        continue
                    }
                    guard let viaIndex = entities[index].fieldIndex(named: via.value) else {
                        diagnostics.append(unknownField(via, entities[index].fields))
                        continue
                    }
                    let required = map["required"].flatMap { ScalarRead.boolean($0, "`required`", &diagnostics) }?.value ?? true
                    let keyType = entities[targetIndex].fields.isEmpty ? nil : entities[targetIndex].fields[entities[targetIndex].key].type
                    let eitherBroken = refs.broken.contains(viaIndex) || pending[targetIndex].broken.contains(entities[targetIndex].key)
                    if let keyType, keyType != entities[index].fields[viaIndex].type, !eitherBroken {
                        diagnostics.append(.error("schema.type", "`\(via.value)` is \(entities[index].fields[viaIndex].type) but the key of `\(target.value)` is \(keyType)", at: via.range))
                    }
                    entities[index].links.append(Link(name: linkName, target: targetIndex, via: viaIndex, required: required))
                }
            }
        }
        for (index, refs) in pending.enumerated() {
            if let node = refs.collections, let pairs = node.mapping {
                for (key, value) in pairs {
                    guard let collectionName = key.scalar,
                        let map = MappingReader(value, context: "collection `\(collectionName)`", allowed: ["entity", "link"], diagnostics: &diagnostics),
                        let target = map["entity"].flatMap({ ScalarRead.string($0, "`entity`", &diagnostics) }),
                        let link = map["link"].flatMap({ ScalarRead.string($0, "`link`", &diagnostics) })
                    else { continue }
                    guard let targetIndex = entities.firstIndex(where: { $0.name == target.value }) else {
                        diagnostics.append(.error("schema.unknown-entity", "unknown entity `\(target.value)`", at: target.range, help: Suggestion.closest(to: target.value, in: entityNames).map { "did you mean `\($0)`?" }))
                        continue
                    }
                    guard let linkIndex = entities[targetIndex].linkIndex(named: link.value), entities[targetIndex].links[linkIndex].target == index else {
                        diagnostics.append(.error("schema.unknown-link", "`\(target.value)` has no link `\(link.value)` to `\(entities[index].name)`", at: link.range))
                        continue
                    }
                    entities[index].collections.append(Collection(name: collectionName, entity: targetIndex, link: linkIndex))
                }
            }
        }
        return (Schema(name: name, path: source.path, entities: entities), diagnostics)
    }

    static func unknownField(_ name: Located<String>, _ fields: [Field]) -> Diagnostic {
        .error("schema.unknown-field", "unknown field `\(name.value)`", at: name.range, help: Suggestion.closest(to: name.value, in: fields.map(\.name)).map { "did you mean `\($0)`?" })
    }

    static func field(_ name: String, _ keyRange: SourceRange, _ node: YAMLNode, _ diagnostics: inout [Diagnostic]) -> Field? {
        guard let map = MappingReader(node, context: "field `\(name)`", allowed: fieldKeys, diagnostics: &diagnostics) else { return nil }
        guard let typeNode = map["type"], let typeName = ScalarRead.string(typeNode, "`type`", &diagnostics) else {
            map.missing("type", &diagnostics)
            return nil
        }
        let type: FieldType
        switch typeName.value {
        case "string": type = .string
        case "digits":
            let length = map["length"].flatMap { ScalarRead.integer($0, "`length`", &diagnostics) }
            guard let length, (1...18).contains(length.value) else {
                diagnostics.append(.error("schema.type", "a `digits` field needs `length` from 1 to 18", at: map.keyRange("length") ?? typeName.range))
                return nil
            }
            type = .digits(Int(length.value))
        case "integer":
            type = .integer(
                min: map["min"].flatMap { ScalarRead.integer($0, "`min`", &diagnostics) }?.value,
                max: map["max"].flatMap { ScalarRead.integer($0, "`max`", &diagnostics) }?.value)
        case "money": type = .money
        case "boolean": type = .boolean
        case "date": type = .date
        case "month": type = .month
        case "enum":
            let values = map["values"].map { ScalarRead.strings($0, "`values`", &diagnostics) } ?? []
            if values.isEmpty { diagnostics.append(.error("schema.type", "an `enum` field needs `values`", at: typeName.range)) }
            var seen = Set<String>()
            for value in values where !seen.insert(value.value).inserted {
                diagnostics.append(.error("schema.duplicate-value", "`\(value.value)` is listed twice", at: value.range))
            }
            type = .enumeration(values.map(\.value))
        default:
            diagnostics.append(.error("schema.type", "unknown type `\(typeName.value)`", at: typeName.range, help: Suggestion.closest(to: typeName.value, in: types).map { "did you mean `\($0)`?" } ?? "expected one of: " + types.joined(separator: ", ")))
            return nil
        }
        var columnOptional = false
        if let column = map["column"], let text = ScalarRead.string(column, "`column`", &diagnostics) {
            if text.value == "optional" { columnOptional = true } else {
                diagnostics.append(.error("schema.column", "`column` takes only `optional`", at: text.range))
            }
        }
        let optional = map["optional"].flatMap { ScalarRead.boolean($0, "`optional`", &diagnostics) }?.value ?? false
        return Field(
            name: name, type: type, optional: optional, columnOptional: columnOptional,
            source: map["source"]?.scalar, description: map["description"]?.scalar, range: keyRange)
    }
}
