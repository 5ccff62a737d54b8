// The `Tepat` library is the one import a program needs: it re-exports every pipeline stage.
@_exported import TepatCheck
@_exported import TepatModel
@_exported import TepatSyntax
