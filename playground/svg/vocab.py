"""Names the SVG pipeline knows: SVG elements and attributes, HTML tags models mix in.

Kept in one place so repair (which fixes the case of names) and sanitize (which allows only
these names) can never disagree about what an SVG element is.
"""

from __future__ import annotations

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Filter primitives: allowed, but cairosvg implements only a few of them, so using one earns a
# "may differ in a browser" warning. feImage is left out: it loads a URL.
FILTER_PRIMITIVES = frozenset(
    """feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
    feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB
    feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight
    feSpecularLighting feSpotLight feTile feTurbulence""".split()
)

ANIMATION_ELEMENTS = frozenset({"animate", "animateMotion", "animateTransform"})

# Elements sanitize keeps. Everything that can load, run or embed something is absent on purpose:
# script, foreignObject, image, feImage, set, view, cursor, the SVG 1.1 font machinery.
ALLOWED_ELEMENTS = (
    frozenset(
        """svg g defs symbol use switch a title desc
        path rect circle ellipse line polyline polygon
        text tspan textPath
        linearGradient radialGradient stop pattern clipPath mask marker filter style
        mpath""".split()
    )
    | FILTER_PRIMITIVES
    | ANIMATION_ELEMENTS
)

# Every SVG element name, so repair can restore the case an HTML-minded model lowercased
# (<lineargradient> -> <linearGradient>). Includes the ones sanitize then removes.
ALL_SVG_ELEMENTS = ALLOWED_ELEMENTS | frozenset(
    """script foreignObject image feImage set view cursor metadata font font-face glyph
    missing-glyph hkern vkern altGlyph altGlyphDef altGlyphItem tref color-profile""".split()
)
ELEMENT_CASE = {name.lower(): name for name in ALL_SVG_ELEMENTS}

# Elements that hold no drawable children. A model that writes <rect ...> without "/>" would
# otherwise swallow every following shape into the rect, where nothing renders.
LEAF_ELEMENTS = frozenset(
    "rect circle ellipse line polyline polygon path image use stop".split()
)
# What such a leaf may legitimately contain.
LEAF_CHILDREN = ANIMATION_ELEMENTS | {"set", "title", "desc", "metadata", "mpath"}

# Tags that exist only in HTML. Inside an SVG they are noise from a model that thinks in HTML:
# repair unwraps them (keeping their text) instead of failing the whole drawing.
HTML_ONLY = frozenset(
    """html head body div span p br hr b i u s em strong small big sub sup code pre kbd
    ul ol li dl dt dd table thead tbody tfoot tr td th caption h1 h2 h3 h4 h5 h6 img center
    blockquote section article header footer nav main aside figure figcaption label
    button input form select option textarea iframe embed object param canvas video audio
    source track meta link base noscript template wbr""".split()
)
HTML_VOID = frozenset(
    "br hr img meta link input source track embed param wbr base col area".split()
)

PRESENTATION_ATTRIBUTES = frozenset(
    """alignment-baseline baseline-shift clip clip-path clip-rule color color-interpolation
    color-interpolation-filters color-rendering direction display dominant-baseline
    enable-background fill fill-opacity fill-rule filter flood-color flood-opacity font
    font-family font-size font-size-adjust font-stretch font-style font-variant font-weight
    glyph-orientation-horizontal glyph-orientation-vertical image-rendering isolation kerning
    letter-spacing lighting-color marker marker-end marker-mid marker-start mask mask-type
    mix-blend-mode opacity overflow paint-order pointer-events shape-rendering stop-color
    stop-opacity stroke stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin
    stroke-miterlimit stroke-opacity stroke-width text-anchor text-decoration text-rendering
    transform-origin unicode-bidi vector-effect visibility white-space word-spacing
    writing-mode""".split()
)

OTHER_ATTRIBUTES = frozenset(
    """id class style lang tabindex version baseProfile
    x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points pathLength dx dy rotate
    textLength lengthAdjust viewBox preserveAspectRatio transform gradientTransform
    gradientUnits patternUnits patternContentUnits patternTransform clipPathUnits maskUnits
    maskContentUnits markerUnits markerWidth markerHeight refX refY orient spreadMethod offset
    startOffset method spacing side href type media title
    filterUnits primitiveUnits in in2 result stdDeviation mode operator k1 k2 k3 k4 values
    tableValues slope intercept amplitude exponent order kernelMatrix divisor bias targetX
    targetY edgeMode kernelUnitLength preserveAlpha surfaceScale diffuseConstant
    specularConstant specularExponent azimuth elevation pointsAtX pointsAtY pointsAtZ
    limitingConeAngle scale xChannelSelector yChannelSelector radius baseFrequency numOctaves
    seed stitchTiles
    attributeName attributeType begin dur end min max restart repeatCount repeatDur calcMode
    keyTimes keySplines from to by additive accumulate path keyPoints origin
    requiredFeatures requiredExtensions systemLanguage""".split()
)

ALLOWED_ATTRIBUTES = PRESENTATION_ATTRIBUTES | OTHER_ATTRIBUTES
ATTRIBUTE_CASE = {name.lower(): name for name in ALLOWED_ATTRIBUTES if name != name.lower()}

# Elements that are pointless without their reference: drop the element, not just the link.
NEEDS_HREF = frozenset({"use", "mpath", "textPath"})
