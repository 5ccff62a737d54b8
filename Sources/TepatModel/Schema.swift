/// The population contract as data: entities (household, member, application), their keys,
/// the links between them, and their typed fields. Loaded from a schema YAML file by
/// `TepatSyntax.SchemaLoader`; a new column is a schema edit, not a code change.
public struct Schema: Sendable, Hashable {
    public var name: String
    public var path: String
    public var entities: [Entity]

    /// Entity indices with link targets first (households, then members, then applications):
    /// the order a run loads and links them in. Entities in a link cycle come last.
    public var linkOrder: [Int] {
        var order: [Int] = []
        var placed = Set<Int>()
        for _ in entities {
            for (i, e) in entities.enumerated() where !placed.contains(i) {
                if e.links.allSatisfy({ placed.contains($0.target) || $0.target == i }) {
                    order.append(i)
                    placed.insert(i)
                }
            }
        }
        for i in entities.indices where !placed.contains(i) { order.append(i) }
        return order
    }

    public init(name: String, path: String, entities: [Entity]) {
        self.name = name
        self.path = path
        self.entities = entities
    }

    public func entityIndex(named name: String) -> Int? { entities.firstIndex { $0.name == name } }
    public func entity(named name: String) -> Entity? { entityIndex(named: name).map { entities[$0] } }
}

/// One kind of record, read from one file of the population folder (`<file>.csv` or `<file>.jsonl`).
public struct Entity: Sendable, Hashable {
    public var name: String
    /// The base name of the file, without extension: `households`, `members`, `santunan_applications`.
    public var file: String
    /// When false the population may lack the file; it then has no records.
    public var fileRequired: Bool
    public var fields: [Field]
    /// Index in `fields` of the key: unique; a later row with the same key is invalid.
    public var key: Int
    public var links: [Link]
    public var collections: [Collection]
    /// Index in `fields` of the date `age_on(d)` measures from, when the entity has one.
    public var birthDate: Int?
    public var range: SourceRange?

    public init(
        name: String, file: String, fileRequired: Bool, fields: [Field], key: Int, links: [Link] = [],
        collections: [Collection] = [], birthDate: Int? = nil, range: SourceRange? = nil
    ) {
        self.name = name
        self.file = file
        self.fileRequired = fileRequired
        self.fields = fields
        self.key = key
        self.links = links
        self.collections = collections
        self.birthDate = birthDate
        self.range = range
    }

    public func fieldIndex(named name: String) -> Int? { fields.firstIndex { $0.name == name } }
    public func linkIndex(named name: String) -> Int? { links.firstIndex { $0.name == name } }
    public func collectionIndex(named name: String) -> Int? { collections.firstIndex { $0.name == name } }

    /// True when a record equality on these fields should hash to the same row.
    public static func == (lhs: Entity, rhs: Entity) -> Bool {
        lhs.name == rhs.name && lhs.file == rhs.file && lhs.fields == rhs.fields && lhs.key == rhs.key
            && lhs.links == rhs.links && lhs.collections == rhs.collections && lhs.birthDate == rhs.birthDate
            && lhs.fileRequired == rhs.fileRequired
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// A typed column of an entity.
public struct Field: Sendable, Hashable {
    public var name: String
    public var type: FieldType
    /// When true the value may be empty (null); rules must guard it with `present()`.
    public var optional: Bool
    /// When true the file may lack the whole column; every value is then null. Implies `optional`.
    public var columnOptional: Bool
    /// Where the value comes from (`dtks`, `dukcapil`, `bpjs`, `permohonan`): explanations use it to
    /// tell a resident where a wrong value can be corrected.
    public var source: String?
    public var description: String?
    public var range: SourceRange?

    public init(
        name: String, type: FieldType, optional: Bool = false, columnOptional: Bool = false,
        source: String? = nil, description: String? = nil, range: SourceRange? = nil
    ) {
        self.name = name
        self.type = type
        self.optional = optional || columnOptional
        self.columnOptional = columnOptional
        self.source = source
        self.description = description
        self.range = range
    }

    public static func == (lhs: Field, rhs: Field) -> Bool {
        lhs.name == rhs.name && lhs.type == rhs.type && lhs.optional == rhs.optional
            && lhs.columnOptional == rhs.columnOptional && lhs.source == rhs.source
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

/// The type of a field, and how its values are encoded as `Cell`s.
public enum FieldType: Sendable, Hashable, CustomStringConvertible {
    /// Free text; a cell is an index into the column's `StringPool`.
    case string
    /// A fixed-width string of digits (NIK, No. KK); a cell is its numeric value.
    case digits(Int)
    /// A whole number, optionally bounded; a cell is the number.
    case integer(min: Int64?, max: Int64?)
    /// Whole rupiah; a cell is the amount.
    case money
    /// `true`/`false`; a cell is 1/0.
    case boolean
    /// `YYYY-MM-DD`; a cell is `Day.ordinal`.
    case date
    /// `YYYY-MM`; a cell is `Month.ordinal`.
    case month
    /// One of a closed list of codes; a cell is the index of the code.
    case enumeration([String])

    public var description: String {
        switch self {
        case .string: "string"
        case .digits(let n): "digits(\(n))"
        case .integer: "integer"
        case .money: "money"
        case .boolean: "boolean"
        case .date: "date"
        case .month: "month"
        case .enumeration: "enum"
        }
    }
}

/// A many-to-one reference: the field `via` of this entity holds the key of a record of `target`.
public struct Link: Sendable, Hashable {
    public var name: String
    public var target: Int
    /// Index in this entity's `fields`.
    public var via: Int
    /// When true a record whose target is missing is invalid (a member of a household not in the
    /// file); when false the link is simply absent (`present(deceased)` is false).
    public var required: Bool

    public init(name: String, target: Int, via: Int, required: Bool) {
        self.name = name
        self.target = target
        self.via = via
        self.required = required
    }
}

/// The reverse of a link: the records of `entity` whose link `link` points here (a household's members).
public struct Collection: Sendable, Hashable {
    public var name: String
    public var entity: Int
    /// Index in `entity`'s links.
    public var link: Int

    public init(name: String, entity: Int, link: Int) {
        self.name = name
        self.entity = entity
        self.link = link
    }
}
