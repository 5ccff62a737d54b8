/// The tool version written into run manifests and `--version`.
public enum TepatVersion {
    public static let current = "0.1.0"
}
