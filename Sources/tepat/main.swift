print("tepat")
