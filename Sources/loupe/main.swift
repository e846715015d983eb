import LoupeCore
print("loupe")
