// The `Tepat` library is the one import a program needs: it re-exports every pipeline stage.
@_exported import TepatCheck
@_exported import TepatModel
@_exported import TepatSyntax
@_exported import TepatAllocate
@_exported import TepatData
@_exported import TepatEval
@_exported import TepatReport
