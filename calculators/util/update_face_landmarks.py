"""UpdateFaceLandmarksCalculator: put refined eye landmarks into the 468-point face mesh.

The 142 new eye landmarks (71 of the left eye's contour, halos and brow, then 71 of the
right eye's, as IrisLandmarkCpu outputs them) replace the face mesh points they refine:
x, y, z and visibility; presence is kept. Nothing is emitted unless both inputs have a
packet at the timestamp.

Ports:
    FACE_LANDMARKS - NormalizedLandmarkList (468)
    NEW_EYE_LANDMARKS - NormalizedLandmarkList (142)
    UPDATED_FACE_LANDMARKS (output) - NormalizedLandmarkList (468)

Example::

    node {
      calculator: "UpdateFaceLandmarksCalculator"
      input_stream: "NEW_EYE_LANDMARKS:refined_eye_landmarks"
      input_stream: "FACE_LANDMARKS:face_landmarks"
      output_stream: "UPDATED_FACE_LANDMARKS:updated_face_landmarks"
    }
"""

from __future__ import annotations

import numpy as np

from pipeserve.calculators.formats import NormalizedLandmarkList
from pipeserve.graphs import Calculator, CalculatorContext, Input, Output, register_calculator

FACE_LANDMARKS = 468
# Face mesh index of each eye landmark, per eye: lower lid (9), upper lid (7), then the
# halos and brow rings around it in the same lower/upper order.
LEFT_EYE = (
    33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173,
    130, 25, 110, 24, 23, 22, 26, 112, 243, 247, 30, 29, 27, 28, 56, 190,
    226, 31, 228, 229, 230, 231, 232, 233, 244, 113, 225, 224, 223, 222, 221, 189,
    35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245,
    156, 70, 63, 105, 66, 107, 55, 193,
)  # fmt: skip
RIGHT_EYE = (
    263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398,
    359, 255, 339, 254, 253, 252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414,
    446, 261, 448, 449, 450, 451, 452, 453, 464, 342, 445, 444, 443, 442, 441, 413,
    265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465,
    383, 300, 293, 334, 296, 336, 285, 417,
)  # fmt: skip
EYE_INDICES = np.array(LEFT_EYE + RIGHT_EYE)


@register_calculator("UpdateFaceLandmarksCalculator")
class UpdateFaceLandmarksCalculator(Calculator):
    FACE = Input[NormalizedLandmarkList]("FACE_LANDMARKS")
    EYES = Input[NormalizedLandmarkList]("NEW_EYE_LANDMARKS")
    OUT = Output[NormalizedLandmarkList]("UPDATED_FACE_LANDMARKS")
    timestamp_offset = 0

    def process(self, cc: CalculatorContext) -> None:
        face, eyes = cc.inputs["FACE_LANDMARKS"], cc.inputs["NEW_EYE_LANDMARKS"]
        if face.is_empty or eyes.is_empty:
            return
        if len(face.value) != FACE_LANDMARKS or len(eyes.value) != len(EYE_INDICES):
            raise ValueError(
                f"expected {FACE_LANDMARKS} face and {len(EYE_INDICES)} eye landmarks, got "
                f"{len(face.value)} and {len(eyes.value)}"
            )
        data = face.value.data.copy()
        data[EYE_INDICES, :4] = eyes.value.data[:, :4]
        cc.outputs["UPDATED_FACE_LANDMARKS"].add(NormalizedLandmarkList(data))
